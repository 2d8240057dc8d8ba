import NovyseCore
import NovyseSocketIOCodec

/// Tunables of the Socket.IO server. The heartbeat and payload defaults are those of the reference
/// JavaScript server, so official clients behave as they do against it; the limits on unauthenticated
/// sessions and on queues are this server's own, since the reference server leaves them to the application.
public struct SocketIOConfiguration: Sendable {
    /// How often the server pings each session (Engine.IO v4: the server pings, the client answers).
    public var pingInterval: Duration
    /// How long after a ping the server waits for the pong before it closes the session.
    public var pingTimeout: Duration
    /// Largest polling payload (POST body) or WebSocket message accepted, in bytes; also the most a GET
    /// answer carries at once. Announced to clients in the handshake.
    public var maxPayload: Int
    /// Most packets waiting for one session; a client that reads slower than it is written to is
    /// disconnected once its queue is full, so memory stays bounded.
    public var maxQueuedPackets: Int
    /// Most bytes (UTF-8) waiting for one session, beside `maxQueuedPackets`: a few large pushes fill memory
    /// long before a thousand packets do. A packet is always accepted into an empty queue, so one push
    /// larger than this reaches a client that reads; past it the session is closed (`queue overflow`).
    public var maxQueuedBytes: Int
    /// The deadline to authenticate: how long an Engine.IO session may stay without a successful Socket.IO
    /// CONNECT before it is closed (refused CONNECTs do not extend it). The default is the reference
    /// server's `connectTimeout` (45 s), the same knob; an application that admits only authenticated
    /// sockets sets it shorter (the fan-out: 10 s), since every session waiting for it holds one of the
    /// unauthenticated slots (`maxUnauthenticatedSessions`).
    public var connectTimeout: Duration
    /// Most Engine.IO sessions not yet authenticated, in all; a handshake beyond is refused with 503.
    public var maxUnauthenticatedSessions: Int
    /// Most of them from one client address; a handshake beyond is refused with 429.
    public var maxUnauthenticatedSessionsPerAddress: Int
    /// What a socket is told, as an event before the Socket.IO DISCONNECT, when the credentials it
    /// connected with expire (`SocketIOAuthDecision.accept(_:expiresAt:)`).
    public var expiryNotice: SocketIONotice
    /// The HTTP path of the endpoint (`/socket.io/` as the official clients expect).
    public var path: String

    public init(
        pingInterval: Duration = .seconds(25),
        pingTimeout: Duration = .seconds(20),
        maxPayload: Int = 1_000_000,
        maxQueuedPackets: Int = 1024,
        maxQueuedBytes: Int = 1_048_576,
        connectTimeout: Duration = .seconds(45),
        maxUnauthenticatedSessions: Int = 10_000,
        maxUnauthenticatedSessionsPerAddress: Int = 50,
        expiryNotice: SocketIONotice = .credentialsExpired,
        path: String = "/socket.io/"
    ) {
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.maxQueuedPackets = maxQueuedPackets
        self.maxQueuedBytes = maxQueuedBytes
        self.connectTimeout = connectTimeout
        self.maxUnauthenticatedSessions = maxUnauthenticatedSessions
        self.maxUnauthenticatedSessionsPerAddress = maxUnauthenticatedSessionsPerAddress
        self.expiryNotice = expiryNotice
        self.path = path
    }

    /// The path without surrounding slashes, as the router and the upgrade check compare it.
    var trimmedPath: String {
        String(path.drop { $0 == "/" }.reversed().drop { $0 == "/" }.reversed())
    }

    /// How often the heartbeat sweep looks at the sessions: a tenth of the shortest of the heartbeat's
    /// intervals and the connect deadline, so a ping or a timeout is at most 10% late, but never more often
    /// than every 10 ms. The same sweep ends sockets whose credentials expired, so no session needs a timer
    /// of its own.
    var sweepInterval: Duration {
        max(.milliseconds(10), min(pingInterval, pingTimeout, connectTimeout) / 10)
    }
}

/// An event the server sends a socket just before it disconnects it for a reason the client should act on:
/// `42["<event>",{"message":"<message>","data":{"code":"<code>"}}]`, the same shape as a CONNECT_ERROR's
/// payload, so a client can handle both with one function. The Socket.IO DISCONNECT that follows makes the
/// official clients report `io server disconnect` and not reconnect on their own.
public struct SocketIONotice: Sendable, Equatable {
    public var event: String
    public var code: String
    public var message: String

    public init(event: String, code: String, message: String) {
        self.event = event
        self.code = code
        self.message = message
    }

    /// The library's default for expired credentials; applications pass their own code.
    public static let credentialsExpired = SocketIONotice(
        event: "server:disconnect", code: "CREDENTIALS_EXPIRED", message: "the credentials of this socket have expired"
    )

    /// The text of the EVENT packet (without the Engine.IO `4` in front).
    var encoded: String {
        let payload: JSONValue = ["message": .string(message), "data": ["code": .string(code)]]
        return SocketIOPacket.encodedEvent(name: event, encodedArguments: [payload.jsonText])
    }
}
