import NIOConcurrencyHelpers
import NovyseCore
import NovyseSocketIOCodec

/// A Socket.IO v5 client over a WebSocket (Engine.IO v4), built on the shared packet codec: it completes the
/// Engine.IO handshake and the CONNECT of the default namespace with `auth`, answers pings, treats a server
/// silent for longer than `pingInterval + pingTimeout` as gone, and hands every other packet (events,
/// acknowledgements) to `packets` in arrival order. Reconnecting is the caller's policy, not this type's.
public final class SocketIOClient: Sendable {
    /// Why the session ended or never connected.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The server answered the CONNECT with CONNECT_ERROR (its payload).
        case refused(JSONValue?)
        /// The connection ended: with the server's close frame, or without one (`detail` says why).
        case closed(WebSocketConnection.CloseFrame?, detail: String?)
        /// Nothing came from the server for longer than its heartbeat allows.
        case silent
        /// The server sent something that is not Engine.IO / Socket.IO.
        case protocolError(String)

        public var description: String {
            switch self {
            case .refused(let data): "CONNECT refused: \(data?.jsonText ?? "no payload")"
            case .closed(let frame?, _): "closed by the server (\(frame))"
            case .closed(nil, let detail): "connection ended\(detail.map { ": \($0)" } ?? "")"
            case .silent: "server silent"
            case .protocolError(let detail): "protocol error: \(detail)"
            }
        }
    }

    struct State {
        var open: EngineIOOpen?
        var sid: String?
        var outcome: Result<String, Failure>?
        var waiter: CheckedContinuation<String, any Error>?
        var ending: Failure?
        var lastHeard = ContinuousClock.now
        var silent = false
    }

    let state = NIOLockedValueBox(State())
    let connection: WebSocketConnection
    let packetsContinuation: AsyncStream<SocketIOPacket>.Continuation
    let reader: NIOLockedValueBox<Task<Void, Never>?> = NIOLockedValueBox(nil)

    /// Events and acknowledgements from the server after the CONNECT; ends with the session (`ending`
    /// then says why).
    public let packets: AsyncStream<SocketIOPacket>

    private init(connection: WebSocketConnection) {
        self.connection = connection
        (packets, packetsContinuation) = AsyncStream<SocketIOPacket>.makeStream()
    }

    /// Connects to `url` (`…/socket.io/?EIO=4&transport=websocket`) and returns once the server accepted
    /// the CONNECT; throws `Failure` when it refused it or the connection ended first. Cancelling the task
    /// drops the connection.
    public static func connect(
        url: WebSocketURL, auth: JSONValue?, headers: [String: String] = [:], maxFrameSize: Int = 1 << 24
    ) async throws -> SocketIOClient {
        let client = SocketIOClient(
            connection: WebSocketConnection(url: url, headers: headers, maxFrameSize: maxFrameSize)
        )
        client.start(auth: auth)
        try await withTaskCancellationHandler {
            _ = try await client.waitForConnect()
        } onCancel: {
            client.drop()
        }
        return client
    }

    /// The Socket.IO socket ID the server gave.
    public var sid: String? { state.withLockedValue { $0.sid } }

    /// The Engine.IO handshake.
    public var open: EngineIOOpen? { state.withLockedValue { $0.open } }

    /// Why the session ended, once it did.
    public var ending: Failure? { state.withLockedValue { $0.ending } }

    /// Sends an EVENT to the server.
    public func emit(_ name: String, _ arguments: [JSONValue] = []) {
        send(SocketIOPacket(.event, data: .array([.string(name)] + arguments)))
    }

    /// Sends a Socket.IO packet.
    public func send(_ packet: SocketIOPacket) { connection.send(packet.engineIOEncoded) }

    /// Ends the session politely (a WebSocket close frame).
    public func close() { connection.close() }

    /// Ends the session at once, as a broken network would.
    public func drop() { connection.drop() }

    deinit { reader.withLockedValue { $0?.cancel() } }
}
