import HTTPTypes
import NovyseCore

/// What the application plugs into the server: who may connect, and what happens on connect, on each
/// client event and on disconnect.
///
/// `connected` and `disconnected` are synchronous and called exactly once each, in that order, for every
/// accepted socket; they should only update in-memory tables (a registry of who is online), which is what
/// makes the order guarantee cheap. An identity `authenticate` accepted whose session closed before it was
/// connected gets `acceptAbandoned` instead, once, so what `authenticate` reserved for it can be given
/// back. `authenticate` and `event` are asynchronous and run off the event loop; the other calls are
/// synchronous and must stay short.
public protocol SocketIOHandler: Sendable {
    /// What the application knows about an accepted socket (for Novyse: the user and device).
    associatedtype Identity: Sendable

    /// Decides on a CONNECT to the default namespace. `auth` is the CONNECT payload (nil when absent).
    func authenticate(auth: JSONValue?, handshake: SocketIOHandshake) async -> SocketIOAuthDecision<Identity>

    func connected(_ socket: SocketIOSocket<Identity>)

    /// A client event. `ack` is non-nil when the client asked for an acknowledgement.
    func event(_ socket: SocketIOSocket<Identity>, name: String, arguments: [JSONValue], ack: SocketIOAck?) async

    func disconnected(_ socket: SocketIOSocket<Identity>, reason: SocketIODisconnectReason)

    /// `authenticate` accepted `identity`, but its session closed before the socket was connected.
    func acceptAbandoned(_ identity: Identity)

    /// A handshake was refused by a cap on unauthenticated sessions (no session was made); for metrics.
    func handshakeRefused(_ refusal: SocketIOHandshakeRefusal, address: String)

    /// A session closed before any successful CONNECT (its deadline passed, the client left); for metrics.
    func unauthenticatedSessionClosed(reason: SocketIODisconnectReason)
}

extension SocketIOHandler {
    public func event(_ socket: SocketIOSocket<Identity>, name: String, arguments: [JSONValue], ack: SocketIOAck?) async {}
    public func acceptAbandoned(_ identity: Identity) {}
    public func handshakeRefused(_ refusal: SocketIOHandshakeRefusal, address: String) {}
    public func unauthenticatedSessionClosed(reason: SocketIODisconnectReason) {}
}

/// The answer to a CONNECT: accept with an identity, or refuse with a CONNECT_ERROR
/// `{"message": message, "data": {"code": code}}`.
public enum SocketIOAuthDecision<Identity: Sendable>: Sendable {
    /// `expiresAt`: when the credentials presented stop vouching for the identity (a token's `exp`). The
    /// heartbeat sweep then sends `SocketIOConfiguration.expiryNotice` and disconnects the socket
    /// (reason `credentials expired`), so a socket lives no longer than the token that opened it.
    case accept(Identity, expiresAt: ContinuousClock.Instant? = nil)
    case reject(code: String, message: String)
}

/// Why a handshake was refused before any session was made (`SocketIOConfiguration`'s caps).
public enum SocketIOHandshakeRefusal: String, Sendable, CaseIterable {
    /// The server holds `maxUnauthenticatedSessions` already: HTTP 503.
    case tooManySessions = "sessions"
    /// The client's address holds `maxUnauthenticatedSessionsPerAddress` already: HTTP 429.
    case tooManySessionsFromAddress = "address"
}

/// The HTTP request that opened the Engine.IO session, kept until the Socket.IO CONNECT is decided.
public struct SocketIOHandshake: Sendable {
    public let query: [String: String]
    public let headers: HTTPFields

    public init(query: [String: String], headers: HTTPFields) {
        self.query = query
        self.headers = headers
    }
}

/// An accepted socket: the Socket.IO socket ID (distinct from the Engine.IO session ID, which a client
/// could otherwise reuse to poll another client's session) and the identity `authenticate` returned.
public struct SocketIOSocket<Identity: Sendable>: Sendable {
    public let id: String
    public let identity: Identity
}

/// Why a socket went away; the names follow the reference server's disconnect reasons.
public enum SocketIODisconnectReason: String, Sendable, Equatable {
    /// The client sent a Socket.IO DISCONNECT.
    case clientNamespaceDisconnect = "client namespace disconnect"
    /// The client closed the Engine.IO session or its WebSocket.
    case transportClose = "transport close"
    /// The client stopped answering pings.
    case pingTimeout = "ping timeout"
    /// The client sent something the protocol does not allow.
    case parseError = "parse error"
    /// The client's outgoing queue was full (packets or bytes): it reads slower than it is written to.
    case queueOverflow = "queue overflow"
    /// The server disconnected the socket (`SocketIOServer.disconnect`).
    case serverNamespaceDisconnect = "server namespace disconnect"
    /// The client sent a second long-polling GET while one was pending.
    case duplicatePoll = "duplicate poll"
    /// The server is shutting down.
    case serverShuttingDown = "server shutting down"
    /// The client opened a session but never completed a Socket.IO CONNECT in time.
    case connectTimeout = "connect timeout"
    /// The credentials the socket connected with expired (`SocketIOAuthDecision.accept(_:expiresAt:)`).
    case credentialsExpired = "credentials expired"
}

/// Sends the acknowledgement of one client event, at most once.
public struct SocketIOAck: Sendable {
    let send: @Sendable ([JSONValue]) -> Void

    public func callAsFunction(_ arguments: JSONValue...) { send(arguments) }
    public func respond(_ arguments: [JSONValue]) { send(arguments) }
}
