// Streams and consumer groups: the delivery path between the command side and the projectors.
extension RedisClient {
    /// Appends an entry and returns its ID. `maxLengthApprox` trims with `MAXLEN ~`, which lets Redis
    /// trim whole macro nodes and is far cheaper than exact trimming.
    public func xadd(_ key: String, id: String = "*", maxLengthApprox: Int? = nil, fields: [(String, String)]) async throws -> String {
        var arguments = ["XADD", key]
        if let maxLengthApprox { arguments += ["MAXLEN", "~", String(maxLengthApprox)] }
        arguments.append(id)
        for (field, value) in fields { arguments += [field, value] }
        return try await execute(arguments).requireString("XADD")
    }

    /// Creates a consumer group; returns false when it already exists (`BUSYGROUP`), so every
    /// consumer can call it at startup without coordination.
    @discardableResult
    public func xgroupCreate(_ key: String, group: String, startID: String = "$", makeStream: Bool = true) async throws -> Bool {
        var arguments = ["XGROUP", "CREATE", key, group, startID]
        if makeStream { arguments.append("MKSTREAM") }
        do {
            _ = try await execute(arguments)
            return true
        } catch RedisError.server(kind: "BUSYGROUP", _) {
            return false
        }
    }

    /// Reads for a consumer of a group; `[]` when `block` passed without new entries.
    ///
    /// A `block` of zero or less means "do not wait", unlike Redis' `BLOCK 0` (wait forever), which
    /// would hold a pooled connection and thread indefinitely. Cancelling the calling task ends a
    /// blocking read at once.
    public func xreadgroup(
        group: String,
        consumer: String,
        streams: [(key: String, id: String)],
        count: Int? = nil,
        block: Duration? = nil
    ) async throws -> [RedisStreamBatch] {
        try await readStreams(["XREADGROUP", "GROUP", group, consumer], streams: streams, count: count, block: block)
    }

    /// `<command> [COUNT n] [BLOCK ms] STREAMS key… id…`, shared by `XREADGROUP` and `XREAD`.
    func readStreams(
        _ command: [String], streams: [(key: String, id: String)], count: Int?, block: Duration?
    ) async throws -> [RedisStreamBatch] {
        var arguments = command
        if let count { arguments += ["COUNT", String(count)] }
        var blockTime: Duration?
        if let block, block.redisMilliseconds > 0 {
            arguments += ["BLOCK", String(block.redisMilliseconds)]
            blockTime = .milliseconds(block.redisMilliseconds)
        }
        arguments.append("STREAMS")
        arguments += streams.map(\.key)
        arguments += streams.map(\.id)
        return try RedisStreamBatch.decodeList(try await execute(arguments, blockingFor: blockTime))
    }

    /// Acknowledges processed entries; returns how many were still pending.
    @discardableResult
    public func xack(_ key: String, group: String, ids: [String]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await execute(["XACK", key, group] + ids).requireInteger("XACK")
    }

    /// Takes over entries another consumer has left pending for at least `minIdle`, which is how
    /// the work of a crashed consumer gets finished.
    public func xautoclaim(
        _ key: String,
        group: String,
        consumer: String,
        minIdle: Duration,
        start: String = "0-0",
        count: Int? = nil
    ) async throws -> RedisAutoClaimResult {
        var arguments = ["XAUTOCLAIM", key, group, consumer, String(minIdle.redisMilliseconds), start]
        if let count { arguments += ["COUNT", String(count)] }
        return try RedisAutoClaimResult.decode(try await execute(arguments))
    }

    /// The summary form of `XPENDING`: how much is pending and for whom.
    public func xpending(_ key: String, group: String) async throws -> RedisPendingSummary {
        try RedisPendingSummary.decode(try await execute(["XPENDING", key, group]))
    }

    /// The extended form of `XPENDING`: one row per pending entry, to find stuck or poisonous ones.
    public func xpending(
        _ key: String,
        group: String,
        start: String = "-",
        end: String = "+",
        count: Int,
        consumer: String? = nil,
        minIdle: Duration? = nil
    ) async throws -> [RedisPendingEntry] {
        var arguments = ["XPENDING", key, group]
        if let minIdle { arguments += ["IDLE", String(minIdle.redisMilliseconds)] }
        arguments += [start, end, String(count)]
        if let consumer { arguments.append(consumer) }
        return try RedisPendingEntry.decodeList(try await execute(arguments))
    }

    public func xrange(_ key: String, start: String = "-", end: String = "+", count: Int? = nil) async throws -> [RedisStreamEntry] {
        var arguments = ["XRANGE", key, start, end]
        if let count { arguments += ["COUNT", String(count)] }
        return try RedisStreamEntry.decodeList(try await execute(arguments))
    }

    public func xlen(_ key: String) async throws -> Int {
        try await execute(["XLEN", key]).requireInteger("XLEN")
    }
}
