/// A Redis stream entry ID (`<milliseconds>-<sequence>`) as a comparable value, so the pipeline reader can
/// tell that a partition's newest entry lies behind the position it has read up to: the sign that Redis
/// lost the stream (FLUSHALL, a restart or failover without the data) and numbers entries afresh.
struct StreamPosition: Comparable, Sendable {
    let milliseconds: UInt64
    let sequence: UInt64

    static let zero = StreamPosition(milliseconds: 0, sequence: 0)

    init(milliseconds: UInt64, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// Parses `ms-seq` (or a bare `ms`, which Redis reads as `ms-0`); nil for anything else.
    init?(_ id: String) {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let milliseconds = UInt64(parts[0]) else { return nil }
        let sequence = parts.count == 2 ? UInt64(parts[1]) : 0
        guard let sequence else { return nil }
        self.init(milliseconds: milliseconds, sequence: sequence)
    }

    static func < (lhs: StreamPosition, rhs: StreamPosition) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }

    /// True when a stream whose newest entry is `last` (`0-0` when empty or missing) cannot be the one
    /// this position was read from: entries are never removed from the newest end, so the stream was
    /// recreated and everything in it is unseen.
    static func isRewound(position: String, last: String) -> Bool {
        guard let position = StreamPosition(position), let last = StreamPosition(last) else { return false }
        return last < position
    }
}
