import NIOConcurrencyHelpers
import NovyseCore
import NovyseSocketIOCodec

/// What a `SocketIOClient` does with each packet the server sends.
extension SocketIOClient {
    func start(auth: JSONValue?) {
        let task = Task { [self] in
            let watchdog = Task { [self] in await watchSilence() }
            var ending: Failure?
            for await text in connection.messages {
                state.withLockedValue { $0.lastHeard = .now }
                if let end = receive(text, auth: auth) {
                    ending = end
                    break
                }
            }
            watchdog.cancel()
            connection.drop()
            finish(ending ?? silenced() ?? .closed(connection.closeFrame, detail: connection.failure))
        }
        reader.withLockedValue { $0 = task }
    }

    /// Handles one Engine.IO packet; returns why the session ends, when it does.
    private func receive(_ text: String, auth: JSONValue?) -> Failure? {
        let packet: EngineIOPacket
        do {
            packet = try EngineIOPacket.decode(Substring(text))
        } catch {
            return .protocolError(error.code)
        }
        switch packet.kind {
        case .open:
            let open: EngineIOOpen
            do {
                open = try EngineIOOpen(packet)
            } catch {
                return .protocolError(error.code)
            }
            state.withLockedValue { $0.open = open }
            send(SocketIOPacket(.connect, data: auth))
        case .ping:
            connection.send(EngineIOPacket(.pong, packet.data).encoded)
        case .close:
            return .closed(nil, detail: "Engine.IO close")
        case .message:
            let decoded: SocketIOPacket
            do {
                decoded = try SocketIOPacket.decode(packet.data)
            } catch {
                return .protocolError(error.code)
            }
            return receiveSocketIO(decoded)
        case .pong, .upgrade, .noop:
            break
        }
        return nil
    }

    private func receiveSocketIO(_ packet: SocketIOPacket) -> Failure? {
        switch packet.kind {
        case .connect:
            guard case .object(let members)? = packet.data, case .string(let sid)? = members["sid"] else {
                return .protocolError("CONNECT without sid")
            }
            resolveConnect(.success(sid))
        case .connectError:
            return .refused(packet.data)
        case .disconnect:
            return .closed(nil, detail: "Socket.IO DISCONNECT")
        case .event, .ack, .binaryEvent, .binaryAck:
            packetsContinuation.yield(packet)
        }
        return nil
    }

    /// Drops the connection when the server has been silent for longer than its heartbeat allows.
    private func watchSilence() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            let limit = state.withLockedValue { $0.open?.silenceLimit } ?? .seconds(60)
            if ContinuousClock.now - state.withLockedValue({ $0.lastHeard }) > limit {
                state.withLockedValue { $0.silent = true }
                connection.drop()
                return
            }
        }
    }

    private func silenced() -> Failure? {
        state.withLockedValue { $0.silent } ? .silent : nil
    }

    private func finish(_ ending: Failure) {
        state.withLockedValue { $0.ending = ending }
        resolveConnect(.failure(ending))
        packetsContinuation.finish()
    }

    /// Records the first outcome of the CONNECT and wakes the waiter; later outcomes are ignored.
    private func resolveConnect(_ outcome: Result<String, Failure>) {
        let waiter: CheckedContinuation<String, any Error>? = state.withLockedValue { state in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            if case .success(let sid) = outcome { state.sid = sid }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: outcome.mapError { $0 })
    }

    func waitForConnect() async throws -> String {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            let outcome: Result<String, Failure>? = state.withLockedValue { state in
                if state.outcome == nil { state.waiter = continuation }
                return state.outcome
            }
            if let outcome { continuation.resume(with: outcome.mapError { $0 }) }
        }
    }
}
