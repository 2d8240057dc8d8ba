import NIOConcurrencyHelpers

/// Counts the Engine.IO sessions that have not authenticated yet (no successful Socket.IO CONNECT), in all
/// and per client address, and admits a new session only while both counts are below their caps.
///
/// Without it anyone could open sessions without end and keep them alive with pongs, each costing memory
/// and a place in every heartbeat sweep, without ever presenting a token. Authenticated sockets are not
/// counted here (the application caps them per user), so a flood of handshakes cannot lock out clients that
/// have authenticated, and a client that authenticates frees its slot at once.
///
/// Admission and release are one short critical section each, so the count never exceeds a cap however
/// many handshakes race.
final class SessionAdmission: Sendable {
    private struct State {
        var total = 0
        var byAddress: [String: Int] = [:]
        /// The highest `total` seen, for tests and the benchmark.
        var peak = 0
    }

    let maxTotal: Int
    let maxPerAddress: Int
    private let state = NIOLockedValueBox(State())

    init(maxTotal: Int, maxPerAddress: Int) {
        precondition(maxTotal > 0 && maxPerAddress > 0)
        self.maxTotal = maxTotal
        self.maxPerAddress = maxPerAddress
    }

    /// Takes a slot for a new session from `address`; nil when admitted, else why not. Every admission is
    /// matched by one `release(address)`.
    func admit(_ address: String) -> SocketIOHandshakeRefusal? {
        state.withLockedValue { state in
            if let refusal = refusal(state, address) { return refusal }
            state.total += 1
            state.byAddress[address, default: 0] += 1
            state.peak = max(state.peak, state.total)
            return nil
        }
    }

    /// Gives back the slot of a session that authenticated or closed.
    func release(_ address: String) {
        state.withLockedValue { state in
            state.total -= 1
            let remaining = (state.byAddress[address] ?? 1) - 1
            state.byAddress[address] = remaining > 0 ? remaining : nil
        }
    }

    var count: Int { state.withLockedValue { $0.total } }
    var peak: Int { state.withLockedValue { $0.peak } }

    private func refusal(_ state: State, _ address: String) -> SocketIOHandshakeRefusal? {
        if state.total >= maxTotal { return .tooManySessions }
        if state.byAddress[address, default: 0] >= maxPerAddress { return .tooManySessionsFromAddress }
        return nil
    }
}
