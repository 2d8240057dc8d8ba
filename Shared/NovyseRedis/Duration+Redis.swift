#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Conversions between Swift durations and what Redis and the socket layer expect. They saturate
// instead of trapping, because a duration is caller input and must never crash the process.
extension Duration {
    /// Whole milliseconds, rounded down, clamped to `0...Int.max`.
    var redisMilliseconds: Int {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = Int(clamping: seconds).multipliedReportingOverflow(by: 1000)
        if overflow { return .max }
        let (total, overflow2) = whole.addingReportingOverflow(Int(attoseconds / 1_000_000_000_000_000))
        return overflow2 ? .max : total
    }

    /// A `timeval` of at least one millisecond: hiredis and `SO_RCVTIMEO` read zero as "wait forever",
    /// which is the one thing a timeout must never mean here.
    var socketTimeout: timeval {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds < 1_000_000_000_000_000) {
            return timeval(tv_sec: 0, tv_usec: 1_000)
        }
        // Keep it well inside time_t so the kernel never sees an overflowed value.
        let cappedSeconds = min(seconds, 365 * 24 * 3600)
        return timeval(tv_sec: .init(cappedSeconds), tv_usec: .init(attoseconds / 1_000_000_000_000))
    }
}
