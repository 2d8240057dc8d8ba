/// Capped exponential backoff with jitter: the one pause rule of every retry loop (the outbox relay, the
/// projector, the wake-up sender, start-up migration, the FCM client, the sync client).
///
/// The ceiling of the n-th pause (n = 0 after the first failure) is `initial · 2ⁿ`, capped at `maximum`; jitter
/// then draws the pause below it, so that processes (or devices) that failed together, in the same outage, do
/// not all retry in the same instant. `equal` jitter (a pause in [ceiling/2, ceiling]) keeps a floor, which a
/// loop that must not spin against a dead dependency wants; `full` jitter ([0, ceiling]) spreads retries the
/// most; `none` is for delays someone else chose (a server's `retryAfterMs`).
///
/// A value type: a loop keeps one in a `var`, calls `next()` after each failure and `reset()` after a success.
/// The `using:` variants take the random source, so tests replay exact pauses from a seeded generator.
public struct Backoff: Sendable, Hashable {
    /// How a pause is drawn below its ceiling.
    public enum Jitter: Sendable, Hashable {
        /// Exactly the ceiling.
        case none
        /// Uniform in [ceiling/2, ceiling].
        case equal
        /// Uniform in [0, ceiling].
        case full
    }

    /// The ceiling of the first pause.
    public let initial: Duration
    /// The largest ceiling; doubling stops here.
    public let maximum: Duration
    public let jitter: Jitter
    /// Consecutive failures since the last `reset()` (the number of pauses `next()` handed out).
    public private(set) var failures = 0

    /// `maximum` below `initial` is raised to it; negative durations are treated as zero.
    public init(initial: Duration, maximum: Duration, jitter: Jitter = .equal) {
        self.initial = max(initial, .zero)
        self.maximum = max(maximum, self.initial)
        self.jitter = jitter
    }

    /// The pause after one more failure; the next call returns a longer one, up to `maximum`.
    public mutating func next() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return next(using: &generator)
    }

    /// `next()` drawing its jitter from `generator`.
    public mutating func next(using generator: inout some RandomNumberGenerator) -> Duration {
        defer { failures += 1 }
        return delay(retry: failures, using: &generator)
    }

    /// After a success: the next failure pauses for about `initial` again.
    public mutating func reset() {
        failures = 0
    }

    /// The pause before retry `retry` (0 after the first failure), for loops that count attempts themselves.
    public func delay(retry: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(retry: retry, using: &generator)
    }

    /// `delay(retry:)` drawing its jitter from `generator`.
    public func delay(retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(retry: retry)
        let nanoseconds = Self.nanoseconds(ceiling)
        switch jitter {
        case .none:
            return ceiling
        case .equal:
            return .nanoseconds(Int64.random(in: (nanoseconds - nanoseconds / 2)...nanoseconds, using: &generator))
        case .full:
            return .nanoseconds(Int64.random(in: 0...nanoseconds, using: &generator))
        }
    }

    /// `initial · 2^retry`, capped at `maximum` (doubling stops at the cap, so it never overflows).
    public func ceiling(retry: Int) -> Duration {
        var ceiling = initial
        var doublings = 0
        while doublings < retry && ceiling < maximum && ceiling > .zero {
            ceiling = ceiling * 2
            doublings += 1
        }
        return min(ceiling, maximum)
    }

    /// Whole nanoseconds, clamped to `Int64` (about 292 years).
    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds < Int64.max / 1_000_000_000 else { return .max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
