/// An operation did not finish within its deadline.
public struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public var description: String { "\(operation) did not finish in time" }
}

/// Runs `operation`, failing with `DeadlineExceeded` after `timeout`; the operation is cancelled.
///
/// Health probes use this so a hung dependency makes readiness answer 503 promptly instead of hanging the
/// probe (and the orchestrator's view of the pod) with it.
public func withDeadline<T: Sendable>(
    _ timeout: Duration,
    operation name: String,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw DeadlineExceeded(operation: name)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw DeadlineExceeded(operation: name) }
        return first
    }
}
