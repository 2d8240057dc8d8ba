import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NovyseCore
import NovyseSocketIO
import TestSupport

/// The handler the protocol tests run against: tokens `user:<name>` are accepted as `<name>`,
/// `expiring:<name>:<ms>` as `<name>` with credentials that expire `ms` milliseconds later, `expired` is
/// refused as expired, a missing or empty token as absent, anything else as invalid. It records what it is
/// told, and acknowledges `echo` events with their arguments.
final class RecordingHandler: SocketIOHandler, Sendable {
    typealias Identity = String

    let log = NIOLockedValueBox<[String]>([])
    /// Socket IDs of connected sockets by identity.
    let sockets = NIOLockedValueBox<[String: String]>([:])

    func authenticate(auth: JSONValue?, handshake: SocketIOHandshake) async -> SocketIOAuthDecision<String> {
        guard let token = auth?["token"]?.stringValue, !token.isEmpty else {
            return .reject(code: "AUTH_NO_TOKEN", message: "an access token is required")
        }
        if token == "expired" { return .reject(code: "AUTH_TOKEN_EXPIRED", message: "the access token has expired") }
        let parts = token.split(separator: ":")
        if parts.count == 3, parts[0] == "expiring", let milliseconds = Int(parts[2]) {
            return .accept(String(parts[1]), expiresAt: .now + .milliseconds(milliseconds))
        }
        guard token.hasPrefix("user:") else {
            return .reject(code: "AUTH_INVALID_TOKEN", message: "the access token is not valid")
        }
        return .accept(String(token.dropFirst(5)))
    }

    func connected(_ socket: SocketIOSocket<String>) {
        sockets.withLockedValue { $0[socket.identity] = socket.id }
        log.withLockedValue { $0.append("connected \(socket.identity)") }
    }

    func event(_ socket: SocketIOSocket<String>, name: String, arguments: [JSONValue], ack: SocketIOAck?) async {
        log.withLockedValue { $0.append("event \(socket.identity) \(name)") }
        if name == "echo" { ack?.respond(arguments) }
    }

    func disconnected(_ socket: SocketIOSocket<String>, reason: SocketIODisconnectReason) {
        log.withLockedValue { $0.append("disconnected \(socket.identity) \(reason.rawValue)") }
    }

    /// Why each session that never authenticated ended, apart from `entries` (which tell of sockets).
    let unauthenticatedClosures = NIOLockedValueBox<[SocketIODisconnectReason]>([])

    func unauthenticatedSessionClosed(reason: SocketIODisconnectReason) {
        unauthenticatedClosures.withLockedValue { $0.append(reason) }
    }

    var entries: [String] { log.withLockedValue { $0 } }
}

/// A `SocketIOServer` in a real Hummingbird application on 127.0.0.1 (port chosen by the kernel), for the
/// duration of `body`.
struct SocketIOTestServer: Sendable {
    let port: Int
    let server: SocketIOServer<RecordingHandler>
    let handler: RecordingHandler

    /// Frequent pings, so a test sees several soon; a pong may take its time (10 s), as a client in this
    /// process does on a loaded 2-core machine running the whole suite, so only a silent client times out.
    static let fastHeartbeat = SocketIOConfiguration(pingInterval: .milliseconds(500), pingTimeout: .seconds(10))

    /// Client addresses as a proxy would name them: the last `X-Forwarded-For` entry, else the peer.
    static let forwardedFor: @Sendable (HTTPFields, SocketAddress?) -> String = { headers, peer in
        headers[values: HTTPField.Name("X-Forwarded-For")!].last ?? peer?.ipAddress ?? "unknown"
    }

    static func with(
        _ configuration: SocketIOConfiguration = .init(),
        clientAddress: @escaping @Sendable (HTTPFields, SocketAddress?) -> String = forwardedFor,
        _ body: @Sendable (SocketIOTestServer) async throws -> Void
    ) async throws {
        var logger = Logger(label: "test.socketio")
        logger.logLevel = .critical  // cancelling the server at the end logs errors
        let handler = RecordingHandler()
        let server = SocketIOServer(
            configuration: configuration, handler: handler, logger: logger, clientAddress: clientAddress
        )
        let router = Router(context: ConnectionTestContext.self)
        server.registerRoutes(on: router)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let application = Application(
            router: router,
            server: server.webSocketUpgrade(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.run() }
            group.addTask { await server.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else { throw TestWebSocket.Closed() }
            do {
                try await body(SocketIOTestServer(port: port, server: server, handler: handler))
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    /// Waits until `condition` holds, polling every 5 ms, or fails after `timeout`.
    static func waitUntil(
        _ what: String, timeout: Duration = TestDeadline.generous, _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw TestWebSocket.TimedOut(what: what) }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
