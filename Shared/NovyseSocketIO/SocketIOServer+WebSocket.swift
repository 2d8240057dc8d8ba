import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import NovyseSocketIOCodec

/// The WebSocket transport: new sessions opened directly over WebSocket, and upgrades of polling sessions
/// (`2probe` → `3probe`, the pending GET released with a NOOP, then `5`).
extension SocketIOServer {
    /// The HTTP/1.1 server with this server's WebSocket upgrade, to pass as `server:` to a Hummingbird
    /// `Application`. WebSocket-level pings are off (Engine.IO has its own heartbeat); a message above
    /// `maxPayload` closes the connection with 1009.
    public func webSocketUpgrade(http1: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        .http1WebSocketUpgrade(
            configuration: .init(
                http1: http1,
                ws: .init(maxFrameSize: configuration.maxPayload, autoPing: .disabled, closeTimeout: .seconds(5))
            ),
            shouldUpgrade: { [self] request, channel, _ in shouldUpgrade(request, peer: channel.remoteAddress) }
        )
    }

    /// Accepts a WebSocket upgrade for this endpoint with valid parameters; anything else is left to the
    /// HTTP routes, which answer with the protocol's error.
    ///
    /// A new session over a cap on unauthenticated sessions is still upgraded, then closed at once with 1013
    /// (try again later) and the refusal's message as the reason: a declined upgrade would get a redirect to
    /// itself from hummingbird-websocket, not the refusal, and a browser's WebSocket shows no HTTP status
    /// anyway. Either way the official clients report `connect_error` and retry with their backoff.
    func shouldUpgrade(
        _ request: HTTPRequest, peer: SocketAddress? = nil
    ) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let target = request.path ?? ""
        let pathPart = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard pathPart.split(separator: "/").joined(separator: "/") == configuration.trimmedPath else { return .dontUpgrade }
        let query = Self.query(target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) })
        guard Self.validate(query) == nil, query["transport"] == "websocket" else { return .dontUpgrade }
        if let sid = query["sid"] {
            guard let session = session(id: sid), session.beginUpgrade() else { return .dontUpgrade }
            return .upgrade([:]) { [self] inbound, outbound, _ in
                await upgrade(session, inbound: inbound, outbound: outbound)
            }
        }
        let address = clientAddress(request.headerFields, peer)
        let handshake = SocketIOHandshake(query: query, headers: request.headerFields)
        return .upgrade([:]) { [self] inbound, outbound, _ in
            let session: Session
            switch openSession(transport: .websocket, handshake: handshake, address: address) {
            case .success(let opened):
                session = opened
            case .failure(let refusal):
                try? await outbound.close(.unknown(1013), reason: refusal.message)
                return
            }
            do {
                try await outbound.write(.text(openPacket(session, upgrades: [])))
            } catch {
                closeSession(session, reason: .transportClose)
                return
            }
            var messages = inbound.messages(maxSize: configuration.maxPayload).makeAsyncIterator()
            await serve(session, messages: &messages, outbound: outbound)
        }
    }

    /// The probe phase of an upgrade; on `5` the session moves to this WebSocket.
    private func upgrade(_ session: Session, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        var messages = inbound.messages(maxSize: configuration.maxPayload).makeAsyncIterator()
        var upgraded = false
        do {
            probing: while let message = try await messages.next() {
                guard case .text(let text) = message else { break }
                switch text {
                case EngineIOPacket(.ping, "probe").encoded:
                    try await outbound.write(.text(EngineIOPacket(.pong, "probe").encoded))
                    session.releasePoll()
                case EngineIOPacket(.upgrade).encoded:
                    upgraded = session.completeUpgrade()
                    break probing
                default:
                    break probing
                }
            }
        } catch {}
        guard upgraded else {
            session.abandonUpgrade()
            return
        }
        await serve(session, messages: &messages, outbound: outbound)
    }

    /// Reads packets until the client goes away or breaks the protocol, while a child task writes whatever
    /// the session queues.
    private func serve(
        _ session: Session,
        messages: inout WebSocketInboundMessageStream.AsyncIterator,
        outbound: WebSocketOutboundWriter
    ) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in await writeLoop(session, outbound: outbound) }
            var reason = SocketIODisconnectReason.transportClose
            do {
                reading: while let message = try await messages.next() {
                    // The frame limit bounds single frames; a message must also fit, whatever its framing.
                    guard case .text(let text) = message, text.utf8.count <= configuration.maxPayload,
                        let packet = try? EngineIOPacket.decode(Substring(text))
                    else {
                        reason = .parseError
                        break reading
                    }
                    guard receive(packet, on: session) else { break reading }
                }
            } catch {
                reason = .parseError
            }
            closeSession(session, reason: reason)
        }
    }

    private func writeLoop(_ session: Session, outbound: WebSocketOutboundWriter) async {
        while true {
            switch await session.nextDelivery(as: .websocket, maxBytes: .max) {
            case .packets(let packets):
                do {
                    for packet in packets { try await outbound.write(.text(packet)) }
                } catch {
                    closeSession(session, reason: .transportClose)
                    return
                }
            case .closed(let remaining, _):
                for packet in remaining { try? await outbound.write(.text(packet)) }
                try? await outbound.close(.normalClosure, reason: nil)
                return
            case .duplicate, .abandoned:
                return
            }
        }
    }
}
