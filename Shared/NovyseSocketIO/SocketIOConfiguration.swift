/// Tunables of the Socket.IO server. The defaults are those of the reference JavaScript server, so
/// official clients behave as they do against it.
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
    /// How long an Engine.IO session may stay without a Socket.IO CONNECT before it is closed.
    public var connectTimeout: Duration
    /// The HTTP path of the endpoint (`/socket.io/` as the official clients expect).
    public var path: String

    public init(
        pingInterval: Duration = .seconds(25),
        pingTimeout: Duration = .seconds(20),
        maxPayload: Int = 1_000_000,
        maxQueuedPackets: Int = 1024,
        connectTimeout: Duration = .seconds(45),
        path: String = "/socket.io/"
    ) {
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.maxQueuedPackets = maxQueuedPackets
        self.connectTimeout = connectTimeout
        self.path = path
    }

    /// The path without surrounding slashes, as the router and the upgrade check compare it.
    var trimmedPath: String {
        String(path.drop { $0 == "/" }.reversed().drop { $0 == "/" }.reversed())
    }

    /// How often the heartbeat sweep looks at the sessions: a tenth of the shorter interval, so a ping or
    /// a timeout is at most 10% late, but never more often than every 10 ms.
    var sweepInterval: Duration {
        max(.milliseconds(10), min(pingInterval, pingTimeout) / 10)
    }
}
