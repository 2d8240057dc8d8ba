import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Lets another thread cut short one blocking command (`XREADGROUP ... BLOCK`) when its task is
/// cancelled or the client shuts down. A thread-pool thread cannot be interrupted, but shutting the
/// socket down makes hiredis' blocked `read(2)` return at once; the connection is then discarded.
///
/// The descriptor is only attached while the command runs, and detached before the connection can be
/// freed, so `shutdown(2)` never reaches a descriptor number the kernel has since reused.
final class RedisCallInterrupt: Sendable {
    private struct State {
        var isCancelled = false
        var descriptor: Int32?
    }

    private let state = NIOLockedValueBox(State())

    var isCancelled: Bool { state.withLockedValue { $0.isCancelled } }

    func cancel() {
        state.withLockedValue { state in
            state.isCancelled = true
            if let descriptor = state.descriptor {
                _ = shutdown(descriptor, Int32(SHUT_RDWR))
            }
        }
    }

    /// Returns false when the call was cancelled before it could start.
    func attach(_ descriptor: Int32) -> Bool {
        state.withLockedValue { state in
            guard !state.isCancelled else { return false }
            state.descriptor = descriptor
            return true
        }
    }

    func detach() {
        state.withLockedValue { $0.descriptor = nil }
    }
}
