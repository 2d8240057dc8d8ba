import Foundation
import TestSupport

/// Waiting for a condition with a deadline instead of sleeping and hoping.
enum FCMWait {
    struct TimedOut: Error, CustomStringConvertible {
        let description: String
    }

    /// Polls `condition` every 20 ms until it holds; throws with `what` and the last state after `timeout`.
    static func until(
        _ what: String, timeout: Duration = TestDeadline.generous, state: @Sendable () async throws -> String = { "" },
        _ condition: @Sendable () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        if try await condition() { return }
        throw TimedOut(description: "timed out after \(timeout) waiting for \(what); \(try await state())")
    }
}
