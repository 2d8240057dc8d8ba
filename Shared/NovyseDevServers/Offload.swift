import Foundation

/// Runs blocking work (a `connect`, a `recv`, a `waitpid`) on a thread of its own and awaits the result.
///
/// Swift's cooperative pool has one thread per core: on a 2-core machine two blocked calls stop every task
/// of the process, including the in-process servers a test talks to. `Task.detached` does not help, as it
/// runs on the same pool. A fresh thread per call is cheap next to the process starts and socket waits this
/// is used for, and never on a request path.
public func offloaded<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// The non-throwing form of `offloaded(_:)`.
public func offloaded<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread {
            continuation.resume(returning: body())
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

extension Task where Success == Never, Failure == Never {
    /// Sleeps even in a cancelled task (where `Task.sleep` returns at once), so a cleanup loop that polls a
    /// dying process neither spins nor gives up early. The sleep runs in an unstructured task, which does not
    /// inherit the cancellation, so it holds no thread while it waits.
    static func yieldingSleep(_ duration: Duration) async {
        if Task.isCancelled {
            await Task<Void, Never> { try? await Task<Never, Never>.sleep(for: duration) }.value
        } else {
            try? await Task.sleep(for: duration)
        }
    }
}
