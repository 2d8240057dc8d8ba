import NIOConcurrencyHelpers
import NovyseSocketIOCodec

/// One Engine.IO session: its transport, its queue of outgoing packets (bounded in packets and bytes), the
/// one reader waiting for them (a long-polling GET or a WebSocket writer), its heartbeat, its deadlines and
/// its Socket.IO state.
///
/// All state sits behind one lock and every operation is a short critical section; continuations are
/// resumed after the lock is released. Nothing here suspends while holding the lock, so emitting to a
/// socket never blocks, and an idle session costs this object plus its transport.
final class EngineSession<Identity: Sendable>: Sendable {
    enum Transport: Sendable { case polling, websocket }

    enum SocketState: Sendable {
        case idle
        case authenticating
        /// `connected` is being delivered to the handler; a close in the meantime is deferred to it.
        case connecting(SocketIOSocket<Identity>)
        case connected(SocketIOSocket<Identity>)
    }

    /// What a waiting reader receives.
    enum Delivery: Sendable {
        case packets([String])
        /// The session is over: flush `remaining`, then (polling) end with `closePacket`.
        case closed(remaining: [String], closePacket: String)
        /// Another long-polling GET was already waiting.
        case duplicate
        /// The long-polling GET's connection closed while it waited (see `abandonPoll`).
        case abandoned
    }

    enum ReaderKind: Sendable { case poll, websocket }

    struct State: Sendable {
        var transport: Transport
        var upgrading = false
        var closed = false
        var closePacket = "1"
        var queue: [String] = []
        /// UTF-8 bytes of `queue`.
        var queuedBytes = 0
        var waiter: (kind: ReaderKind, maxBytes: Int, pollID: UInt64, continuation: CheckedContinuation<Delivery, Never>)?
        /// A poll whose connection closed before it started waiting.
        var abandonedPoll: UInt64?
        var nextPingAt: ContinuousClock.Instant
        var pongDeadline: ContinuousClock.Instant?
        var connectDeadline: ContinuousClock.Instant?
        /// When the connected socket's credentials expire.
        var expiresAt: ContinuousClock.Instant?
        /// The client address whose unauthenticated slot (`SessionAdmission`) this session holds, until it
        /// authenticates or closes.
        var admissionSlot: String?
        var socket: SocketState = .idle
        var deferredClose: SocketIODisconnectReason?
        var handshake: SocketIOHandshake?
    }

    let id: String
    let state: NIOLockedValueBox<State>

    init(
        id: String, transport: Transport, handshake: SocketIOHandshake, address: String,
        configuration: SocketIOConfiguration
    ) {
        self.id = id
        let now = ContinuousClock.now
        state = NIOLockedValueBox(
            State(
                transport: transport, nextPingAt: now + configuration.pingInterval,
                connectDeadline: now + configuration.connectTimeout, admissionSlot: address, handshake: handshake
            ))
    }

    enum EnqueueResult { case queued, overflow, closed }

    /// Most packets and bytes a queue may hold; `.unbounded` for the packets that end a session.
    struct QueueLimit {
        var packets: Int
        var bytes: Int
        static var unbounded: QueueLimit { QueueLimit(packets: .max, bytes: .max) }
    }

    /// Appends packets unless the session is closed or its queue would exceed `limit`. A non-empty queue
    /// is what the byte bound measures: packets into an empty queue are always taken, so one push larger
    /// than the bound still reaches a client that reads.
    func enqueue(_ packets: [String], limit: QueueLimit) -> EnqueueResult {
        let bytes = packets.reduce(0) { $0 + $1.utf8.count }
        let (result, waiter): (EnqueueResult, (CheckedContinuation<Delivery, Never>, Delivery)?) = state.withLockedValue { state in
            if state.closed { return (.closed, nil) }
            if state.queue.count + packets.count > limit.packets { return (.overflow, nil) }
            if state.queuedBytes > 0, bytes > limit.bytes - state.queuedBytes { return (.overflow, nil) }
            state.queue.append(contentsOf: packets)
            state.queuedBytes += bytes
            guard let waiter = state.waiter else { return (.queued, nil) }
            state.waiter = nil
            return (.queued, (waiter.continuation, .packets(drain(&state, maxBytes: waiter.maxBytes))))
        }
        if let (continuation, delivery) = waiter { continuation.resume(returning: delivery) }
        return result
    }

    /// Waits until there is something to send. A long-polling GET takes at most `maxBytes` of packets;
    /// `pollID` names it for `abandonPoll`.
    func nextDelivery(as kind: ReaderKind, maxBytes: Int, pollID: UInt64 = 0) async -> Delivery {
        await withCheckedContinuation { (continuation: CheckedContinuation<Delivery, Never>) in
            let immediate: Delivery? = state.withLockedValue { state in
                if kind == .poll, state.waiter?.kind == .poll { return .duplicate }
                if kind == .poll, pollID != 0, state.abandonedPoll == pollID {
                    state.abandonedPoll = nil
                    return .abandoned
                }
                if state.closed { return .closed(remaining: drain(&state, maxBytes: .max), closePacket: state.closePacket) }
                if !state.queue.isEmpty { return .packets(drain(&state, maxBytes: maxBytes)) }
                state.waiter = (kind, maxBytes, pollID, continuation)
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// Removes queued packets up to `maxBytes` (always at least one, so a large packet still goes out).
    private func drain(_ state: inout State, maxBytes: Int) -> [String] {
        guard maxBytes != .max else {
            defer {
                state.queue = []
                state.queuedBytes = 0
            }
            return state.queue
        }
        var bytes = 0
        var count = 0
        var taken = 0
        for packet in state.queue {
            let size = packet.utf8.count
            bytes += size + 1
            if count > 0, bytes > maxBytes { break }
            count += 1
            taken += size
        }
        let batch = Array(state.queue.prefix(count))
        state.queue.removeFirst(count)
        state.queuedBytes -= taken
        return batch
    }

    /// The connection of poll `pollID` closed: if it is waiting it ends with `.abandoned` before any packet
    /// is taken from the queue (they stay for nobody: the caller closes the session); if it has not started
    /// waiting yet it will end so at once. A poll that already took its packets is not affected.
    func abandonPoll(_ pollID: UInt64) {
        let waiter: CheckedContinuation<Delivery, Never>? = state.withLockedValue { state in
            guard let waiter = state.waiter, waiter.kind == .poll, waiter.pollID == pollID else {
                state.abandonedPoll = pollID
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(returning: .abandoned)
    }

    /// Ends a pending long-polling GET with a NOOP, so a client that upgrades can pause polling.
    func releasePoll() {
        let waiter: CheckedContinuation<Delivery, Never>? = state.withLockedValue { state in
            if let waiter = state.waiter, waiter.kind == .poll {
                state.waiter = nil
                return waiter.continuation
            }
            if !state.closed {
                state.queue.append(EngineIOPacket(.noop).encoded)
                state.queuedBytes += 1
            }
            return nil
        }
        waiter?.resume(returning: .packets([EngineIOPacket(.noop).encoded]))
    }

    /// What closing a session leaves the server to do: report the socket to the handler, or give back the
    /// unauthenticated slot of `admissionSlot`'s address.
    struct Closing {
        let socket: SocketState
        let admissionSlot: String?
    }

    /// Marks the session closed. Returns nil when it already was; otherwise what the caller must report. A
    /// pending reader gets what is still queued and then `closePacket`.
    func close(reason: SocketIODisconnectReason, closePacket: String = "1") -> Closing? {
        let outcome: (Closing, CheckedContinuation<Delivery, Never>?, Delivery?)? = state.withLockedValue { state in
            if state.closed { return nil }
            state.closed = true
            state.closePacket = closePacket
            state.deferredClose = reason
            let waiter = state.waiter?.continuation
            state.waiter = nil
            let closing = Closing(socket: state.socket, admissionSlot: state.admissionSlot)
            state.socket = .idle
            state.handshake = nil
            state.admissionSlot = nil
            let delivery: Delivery? =
                waiter == nil
                ? nil : .closed(remaining: drain(&state, maxBytes: .max), closePacket: closePacket)
            return (closing, waiter, delivery)
        }
        guard let (closing, waiter, delivery) = outcome else { return nil }
        if let waiter, let delivery { waiter.resume(returning: delivery) }
        return closing
    }

    var isClosed: Bool { state.withLockedValue { $0.closed } }
}

extension EngineSession {
    /// Claims the session for a WebSocket upgrade; false when it is not a polling session or another
    /// upgrade is under way.
    func beginUpgrade() -> Bool {
        state.withLockedValue { state in
            guard !state.closed, state.transport == .polling, !state.upgrading else { return false }
            state.upgrading = true
            return true
        }
    }

    /// Gives up an upgrade that did not complete; polling goes on.
    func abandonUpgrade() {
        state.withLockedValue { $0.upgrading = false }
    }

    /// Switches the session to WebSocket (the client sent `5`): from now on the WebSocket writer is the
    /// reader of the queue. A long-polling GET still pending is released with a NOOP.
    func completeUpgrade() -> Bool {
        let outcome: (Bool, CheckedContinuation<Delivery, Never>?) = state.withLockedValue { state in
            guard !state.closed, state.upgrading else { return (false, nil) }
            state.transport = .websocket
            state.upgrading = false
            let waiter = state.waiter?.kind == .poll ? state.waiter?.continuation : nil
            if waiter != nil { state.waiter = nil }
            return (true, waiter)
        }
        outcome.1?.resume(returning: .packets([EngineIOPacket(.noop).encoded]))
        return outcome.0
    }
}
