import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import NovyseSocketIOCodec

/// The HTTP long-polling transport: `GET` opens a session or waits for packets, `POST` delivers packets.
extension SocketIOServer {
    /// Adds the endpoint (`configuration.path`) to a router. Requests that the WebSocket upgrade hook
    /// declined (bad parameters, unknown session) also end here and get the protocol's error.
    public func registerRoutes<Context: RequestContext>(on router: Router<Context>) {
        let path = RouterPath(configuration.trimmedPath)
        router.on(path, method: .get) { [self] request, context in
            await handleGet(request, connection: (context as? any SocketIOConnectionContext)?.channel)
        }
        router.on(path, method: .post) { [self] request, _ in await handlePost(request) }
        for method in [HTTPRequest.Method.put, .delete, .patch] {
            router.on(path, method: method) { _, _ in EngineIOError.badHandshakeMethod.response }
        }
    }

    /// `connection`, when the context provides it, is watched while the GET waits (`SocketIOConnectionContext`).
    func handleGet(_ request: Request, connection: (any Channel)? = nil) async -> Response {
        let query = Self.query(request.uri.query)
        if let error = Self.validate(query) { return error.response }
        guard let sid = query["sid"] else {
            // A plain GET for the WebSocket transport means the upgrade headers were missing.
            guard query["transport"] == "polling" else { return EngineIOError.badRequest.response }
            let handshake = SocketIOHandshake(query: query, headers: request.headers)
            let address = clientAddress(request.headers, connection?.remoteAddress)
            switch openSession(transport: .polling, handshake: handshake, address: address) {
            case .failure(let refusal): return refusal.response
            case .success(let session): return Self.payloadResponse([openPacket(session, upgrades: ["websocket"])])
            }
        }
        guard let session = session(id: sid) else { return EngineIOError.unknownSession.response }
        guard query["transport"] == "polling", session.state.withLockedValue({ $0.transport == .polling }) else {
            return EngineIOError.badRequest.response
        }
        switch await waitForPoll(session, connection: connection) {
        case .packets(let packets):
            return Self.payloadResponse(packets)
        case .closed(let remaining, let closePacket):
            return Self.payloadResponse(remaining + [closePacket])
        case .duplicate:
            // Only one GET may wait per session: the protocol closes the session, the first GET gets the
            // close packet and this one an error.
            closeSession(session, reason: .duplicatePoll)
            return EngineIOError.badRequest.response
        case .abandoned:
            // The client went away mid-poll: end the session now, as the reference server does, so nothing
            // more is written into the dead connection and the device counts as offline at once.
            closeSession(session, reason: .transportClose)
            return EngineIOError.badRequest.response
        }
    }

    /// Waits for the session's next packets, ending early with `.abandoned` if `connection` closes.
    private func waitForPoll(_ session: Session, connection: (any Channel)?) async -> Session.Delivery {
        guard let connection else { return await session.nextDelivery(as: .poll, maxBytes: configuration.maxPayload) }
        let pollID = UInt64.random(in: 1...UInt64.max)
        let observer = await PollConnectionObserver.attach(to: connection) { [session] in session.abandonPoll(pollID) }
        let delivery = await session.nextDelivery(as: .poll, maxBytes: configuration.maxPayload, pollID: pollID)
        observer?.detach(from: connection)
        return delivery
    }

    func handlePost(_ request: Request) async -> Response {
        let query = Self.query(request.uri.query)
        if let error = Self.validate(query) { return error.response }
        guard let sid = query["sid"] else { return EngineIOError.badHandshakeMethod.response }
        guard let session = session(id: sid) else { return EngineIOError.unknownSession.response }
        guard query["transport"] == "polling", session.state.withLockedValue({ $0.transport == .polling }) else {
            return EngineIOError.badRequest.response
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maxPayload {
            closeSession(session, reason: .parseError)
            return EngineIOError.payloadTooLarge.response
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: configuration.maxPayload)
        } catch {
            closeSession(session, reason: .parseError)
            return EngineIOError.payloadTooLarge.response
        }
        let packets: [EngineIOPacket]
        do {
            packets = try EngineIOPacket.decodePayload(String(buffer: body))
        } catch {
            closeSession(session, reason: .parseError)
            return EngineIOError.badRequest.response
        }
        for packet in packets {
            guard receive(packet, on: session) else { break }
        }
        return Response(
            status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "ok"))
        )
    }

    static func payloadResponse(_ packets: [String]) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=UTF-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: EngineIOPacket.encodePayload(packets)))
        )
    }

    /// Checks the parameters every request carries: `EIO=4` and a known transport.
    static func validate(_ query: [String: String]) -> EngineIOError? {
        guard let version = query["EIO"] else { return .badRequest }
        guard version == "4" else { return .unsupportedProtocolVersion }
        guard let transport = query["transport"], transport == "polling" || transport == "websocket" else {
            return .unknownTransport
        }
        return nil
    }

    /// Parses a query string (`a=1&b=2`), percent-decoding names and values; the last value wins.
    static func query(_ text: String?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (text ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).replacingOccurrences(of: "+", with: " ")
            let value = parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ") : ""
            result[name.removingPercentEncoding ?? name] = value.removingPercentEncoding ?? value
        }
        return result
    }
}
