import Foundation
import NIOConcurrencyHelpers

/// How many live sockets each user has on this process, counted from the CONNECT that accepts one to its
/// disconnect, and capped: one stolen token (or a buggy client in a reconnect loop) cannot open sockets
/// without end, each holding a queue and a place in every push to the user.
///
/// A slot is taken while the CONNECT is decided, before the socket is accepted, so concurrent CONNECTs of
/// one user cannot all pass the check; it is given back on `disconnected`, or on `acceptAbandoned` when the
/// session closed before the socket was connected.
final class UserSocketQuota: Sendable {
    let limit: Int
    private let counts = NIOLockedValueBox<[UUID: Int]>([:])

    init(limit: Int) {
        precondition(limit > 0)
        self.limit = limit
    }

    /// Takes a slot for one more socket of `user`; false when the user has `limit` already.
    func reserve(_ user: UUID) -> Bool {
        counts.withLockedValue { counts in
            let current = counts[user, default: 0]
            guard current < limit else { return false }
            counts[user] = current + 1
            return true
        }
    }

    func release(_ user: UUID) {
        counts.withLockedValue { counts in
            let remaining = counts[user, default: 1] - 1
            counts[user] = remaining > 0 ? remaining : nil
        }
    }

    func count(_ user: UUID) -> Int { counts.withLockedValue { $0[user, default: 0] } }
}
