import Foundation

/// The one way tests here wait: on a condition, polled, with a generous outer deadline.
///
/// A wait is not a measurement. A deadline only bounds how long a broken build takes to fail, so it is far
/// above what the condition needs on a busy 2-core machine running the whole suite, and the condition is
/// checked once more after it (a check that was itself slow is not a failed one). Where a test must tell
/// "prompt" from "slow", it makes the slow path's timers much longer than this deadline instead of
/// asserting a bound a few seconds above normal (see docs/testing.md).
public enum TestDeadline {
    /// `NOVYSE_TEST_DEADLINE_SCALE` (default 1) multiplies every deadline, for a machine slower still.
    public static let scale: Double = {
        let text = ProcessInfo.processInfo.environment["NOVYSE_TEST_DEADLINE_SCALE"] ?? ""
        guard let value = Double(text), value >= 1 else { return 1 }
        return value
    }()

    /// The default outer deadline of every wait: two minutes, times `scale`.
    public static var generous: Duration { .seconds(120) * scale }

    public struct TimedOut: Error, CustomStringConvertible {
        public let description: String
    }

    /// Polls `condition` every `interval` until it holds; throws `TimedOut` naming `what` and the last
    /// `state` when `timeout` passes first.
    public static func waitUntil(
        _ what: String,
        timeout: Duration = generous,
        interval: Duration = .milliseconds(20),
        state: () async -> String = { "" },
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: interval)
        }
        if try await condition() { return }
        let detail = await state()
        throw TimedOut(description: "timed out after \(timeout) waiting for \(what)\(detail.isEmpty ? "" : "; \(detail)")")
    }
}
