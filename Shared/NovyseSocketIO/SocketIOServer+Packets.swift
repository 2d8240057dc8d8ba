import HTTPTypes
import Logging
import NIOConcurrencyHelpers
import NovyseCore
import NovyseSocketIOCodec

/// What the server does with each packet a client sends, whatever the transport.
extension SocketIOServer {
    /// Handles one Engine.IO packet from the client. Returns false when the packet ended the session.
    @discardableResult
    func receive(_ packet: EngineIOPacket, on session: Session) -> Bool {
        switch packet.kind {
        case .ping:
            // Clients of older revisions ping; answer with the same data, as the protocol asks.
            return send([EngineIOPacket(.pong, packet.data).encoded], to: session)
        case .pong:
            receivedPong(session)
            return true
        case .message:
            return receiveSocketIO(packet.data, on: session)
        case .close:
            // A pending GET ends with a NOOP, as the reference server does.
            closeSession(session, reason: .transportClose, closePacket: EngineIOPacket(.noop).encoded)
            return false
        case .noop:
            return true
        case .open, .upgrade:
            closeSession(session, reason: .parseError)
            return false
        }
    }

    /// Handles the Socket.IO packet inside an Engine.IO message. A packet that is malformed, binary, or not
    /// allowed in the socket's state closes the session, as the reference server does.
    private func receiveSocketIO(_ text: String, on session: Session) -> Bool {
        let packet: SocketIOPacket
        do {
            packet = try SocketIOPacket.decode(text)
        } catch {
            logger.debug("bad Socket.IO packet", metadata: ["sid": "\(session.id)", "error": "\(error.code)"])
            closeSession(session, reason: .parseError)
            return false
        }
        switch packet.kind {
        case .connect:
            return beginConnect(packet, on: session)
        case .disconnect:
            guard packet.namespace == "/" else { return true }
            closeSession(session, reason: .clientNamespaceDisconnect)
            return false
        case .event:
            guard packet.namespace == "/", let socket = connectedSocket(of: session), let (name, arguments) = packet.event
            else {
                closeSession(session, reason: .parseError)
                return false
            }
            let ack = packet.ackID.map { makeAck(id: $0, session: session) }
            let handler = handler
            Task { await handler.event(socket, name: name, arguments: arguments, ack: ack) }
            return true
        case .ack:
            // The server never asks for acknowledgements, so there is nothing to match; ignore.
            return true
        case .connectError, .binaryEvent, .binaryAck:
            closeSession(session, reason: .parseError)
            return false
        }
    }

    private func connectedSocket(of session: Session) -> SocketIOSocket<Identity>? {
        session.state.withLockedValue { state in
            if case .connected(let socket) = state.socket { return socket }
            if case .connecting(let socket) = state.socket { return socket }
            return nil
        }
    }

    /// A CONNECT: refuses other namespaces, then asks the handler off the event loop.
    private func beginConnect(_ packet: SocketIOPacket, on session: Session) -> Bool {
        guard packet.namespace == "/" else {
            let refusal = SocketIOPacket(
                .connectError, namespace: packet.namespace, data: .object(["message": .string("Invalid namespace")])
            )
            return send([refusal.engineIOEncoded], to: session)
        }
        let handshake: SocketIOHandshake? = session.state.withLockedValue { state in
            guard case .idle = state.socket, !state.closed else { return nil }
            state.socket = .authenticating
            return state.handshake ?? SocketIOHandshake(query: [:], headers: [:])
        }
        guard let handshake else {
            closeSession(session, reason: .parseError)
            return false
        }
        Task {
            let decision = await handler.authenticate(auth: packet.data, handshake: handshake)
            completeConnect(decision, session: session)
        }
        return true
    }

    /// Applies the handler's decision. `connected` and `disconnected` are each called once, in order, even
    /// when the session closes while `connected` is being delivered; an accepted identity whose session
    /// closed during `authenticate` gets `acceptAbandoned` instead. Accepting gives back the session's
    /// unauthenticated slot; a refusal keeps it (the connect deadline still runs).
    func completeConnect(_ decision: SocketIOAuthDecision<Identity>, session: Session) {
        switch decision {
        case .reject(let code, let message):
            counters.withLockedValue { $0.refusedConnects += 1 }
            let stillOpen = session.state.withLockedValue { state -> Bool in
                guard !state.closed, case .authenticating = state.socket else { return false }
                state.socket = .idle  // the client may try again with another token
                return true
            }
            guard stillOpen else { return }
            let refusal = SocketIOPacket(
                .connectError, data: .object(["message": .string(message), "data": .object(["code": .string(code)])])
            )
            send([refusal.engineIOEncoded], to: session)
        case .accept(let identity, let expiresAt):
            let socket = SocketIOSocket(id: Self.randomID(), identity: identity)
            let (accepted, slot) = session.state.withLockedValue { state -> (Bool, String?) in
                guard !state.closed, case .authenticating = state.socket else { return (false, nil) }
                state.socket = .connecting(socket)
                state.connectDeadline = nil
                state.expiresAt = expiresAt
                state.handshake = nil
                defer { state.admissionSlot = nil }
                return (true, state.admissionSlot)
            }
            guard accepted else {
                handler.acceptAbandoned(identity)
                return
            }
            if let address = slot { admission.release(address) }
            sockets.withLockedValue { $0[socket.id] = session }
            send([SocketIOPacket(.connect, data: .object(["sid": .string(socket.id)])).engineIOEncoded], to: session)
            handler.connected(socket)
            let closedMeanwhile: SocketIODisconnectReason? = session.state.withLockedValue { state in
                if state.closed { return state.deferredClose ?? .transportClose }
                state.socket = .connected(socket)
                return nil
            }
            if let reason = closedMeanwhile {
                sockets.withLockedValue { _ = $0.removeValue(forKey: socket.id) }
                handler.disconnected(socket, reason: reason)
            }
        }
    }

    /// An acknowledgement that sends `3<id>[…]` once.
    private func makeAck(id: UInt64, session: Session) -> SocketIOAck {
        let used = NIOLockedValueBox(false)
        return SocketIOAck { [self] arguments in
            let first = used.withLockedValue { used in
                defer { used = true }
                return !used
            }
            guard first else { return }
            send([SocketIOPacket(.ack, ackID: id, data: .array(arguments)).engineIOEncoded], to: session)
        }
    }
}
