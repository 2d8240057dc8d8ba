import Foundation
import HTTPTypes
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NovyseCore
import NovyseSocketIOCodec

/// A Socket.IO v5 server over Engine.IO v4 (HTTP long-polling and WebSocket, with the upgrade between
/// them), serving the default namespace.
///
/// Routes go on a Hummingbird router (`registerRoutes(on:)`), the WebSocket transport through the upgrade
/// hook of hummingbird-websocket (`webSocketUpgrade`), and `run()` drives the heartbeat. Emitting never
/// blocks: a packet is appended to the socket's bounded queue and the socket's reader (a pending GET or the
/// WebSocket writer) is woken. A socket whose queue is full is disconnected instead of growing memory.
///
/// What a client may hold without authenticating is bounded too: a handshake is admitted only below the
/// caps on unauthenticated sessions (in all and per client address, `SessionAdmission`), and a session
/// that has not authenticated by `connectTimeout` is closed. A socket whose credentials expire is told so
/// and disconnected by the same sweep that runs the heartbeat.
public final class SocketIOServer<Handler: SocketIOHandler>: Sendable {
    public typealias Identity = Handler.Identity
    typealias Session = EngineSession<Identity>

    public let configuration: SocketIOConfiguration
    let handler: Handler
    let logger: Logger
    /// Engine.IO sessions by session ID.
    let sessions = NIOLockedValueBox<[String: Session]>([:])
    /// Connected Socket.IO sockets by socket ID (what `emit` addresses).
    let sockets = NIOLockedValueBox<[String: Session]>([:])
    let counters = NIOLockedValueBox(SocketIOStats())
    let admission: SessionAdmission
    /// Names the client of a handshake, from its headers and its connection's peer, for the per-address cap.
    let clientAddress: @Sendable (HTTPFields, SocketAddress?) -> String

    /// `clientAddress` names a handshake's client for the per-address cap; the default is the connection's
    /// peer address (behind a proxy, pass one that reads the proxy's header).
    public init(
        configuration: SocketIOConfiguration = .init(), handler: Handler, logger: Logger,
        clientAddress: @escaping @Sendable (HTTPFields, SocketAddress?) -> String = { _, peer in peer?.ipAddress ?? "unknown" }
    ) {
        precondition(configuration.maxQueuedPackets > 0 && configuration.maxPayload > 0 && configuration.maxQueuedBytes > 0)
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        self.clientAddress = clientAddress
        admission = SessionAdmission(
            maxTotal: configuration.maxUnauthenticatedSessions,
            maxPerAddress: configuration.maxUnauthenticatedSessionsPerAddress
        )
    }

    // MARK: Emitting

    /// Sends `event` with one argument, already JSON text (trusted, not re-validated), to one socket.
    /// Returns false when the socket is not connected here (or was just disconnected for overflowing).
    @discardableResult
    public func emit(toSocket socketID: String, event: String, encodedData: String) -> Bool {
        emit(toSockets: CollectionOfOne(socketID), event: event, encodedData: encodedData) == 1
    }

    @discardableResult
    public func emit(toSocket socketID: String, event: String, data: JSONValue) -> Bool {
        emit(toSocket: socketID, event: event, encodedData: data.jsonText)
    }

    /// Sends one event to many sockets; the packet is encoded once. Returns how many sockets got it queued.
    @discardableResult
    public func emit(toSockets socketIDs: some Sequence<String>, event: String, encodedData: String) -> Int {
        let packet =
            String(EngineIOPacket.Kind.message.rawValue)
            + SocketIOPacket.encodedEvent(name: event, encodedArguments: [encodedData])
        let targets = sockets.withLockedValue { table in socketIDs.compactMap { table[$0] } }
        var queued = 0
        for session in targets where send([packet], to: session) { queued += 1 }
        counters.withLockedValue { $0.eventsEmitted += queued }
        return queued
    }

    /// Queues packets for a session; on overflow (packets or bytes) the session is closed.
    @discardableResult
    func send(_ packets: [String], to session: Session) -> Bool {
        let limit = Session.QueueLimit(packets: configuration.maxQueuedPackets, bytes: configuration.maxQueuedBytes)
        switch session.enqueue(packets, limit: limit) {
        case .queued: return true
        case .closed: return false
        case .overflow:
            counters.withLockedValue { $0.queueOverflows += 1 }
            logger.warning("socket queue full, disconnecting", metadata: ["sid": "\(session.id)"])
            closeSession(session, reason: .queueOverflow)
            return false
        }
    }

    /// Disconnects a socket from the server side: the client gets a Socket.IO DISCONNECT, then the session
    /// ends.
    public func disconnect(socket socketID: String) {
        guard let session = sockets.withLockedValue({ $0[socketID] }) else { return }
        _ = session.enqueue(["4" + SocketIOPacket(.disconnect).encoded], limit: .unbounded)
        closeSession(session, reason: .serverNamespaceDisconnect)
    }

    /// Tells a socket why with `notice`, then disconnects it as `disconnect(socket:)` does.
    func disconnect(_ session: Session, notice: SocketIONotice, reason: SocketIODisconnectReason) {
        _ = session.enqueue(["4" + notice.encoded, "4" + SocketIOPacket(.disconnect).encoded], limit: .unbounded)
        closeSession(session, reason: reason)
    }

    /// Counts for metrics and the benchmark.
    public var stats: SocketIOStats {
        var stats = counters.withLockedValue { $0 }
        stats.sessions = sessions.withLockedValue { $0.count }
        stats.connectedSockets = sockets.withLockedValue { $0.count }
        stats.unauthenticatedSessions = admission.count
        stats.peakUnauthenticatedSessions = admission.peak
        return stats
    }

    // MARK: Session lifecycle

    /// Opens a session for a handshake from `address`, or refuses it when a cap on unauthenticated sessions
    /// is reached (the refusal is counted and reported to the handler).
    func openSession(
        transport: Session.Transport, handshake: SocketIOHandshake, address: String
    ) -> Result<Session, EngineIOError> {
        if let refusal = admission.admit(address) { return .failure(refuse(refusal, address: address)) }
        let session = Session(
            id: Self.randomID(), transport: transport, handshake: handshake, address: address, configuration: configuration
        )
        sessions.withLockedValue { $0[session.id] = session }
        return .success(session)
    }

    /// Counts a refused handshake and returns its answer.
    func refuse(_ refusal: SocketIOHandshakeRefusal, address: String) -> EngineIOError {
        counters.withLockedValue { $0.refusedHandshakes[refusal, default: 0] += 1 }
        logger.debug("handshake refused", metadata: ["address": "\(address)", "reason": "\(refusal.rawValue)"])
        handler.handshakeRefused(refusal, address: address)
        return EngineIOError(refusal)
    }

    func session(id: String) -> Session? { sessions.withLockedValue { $0[id] } }

    /// Ends a session once: forgets it, wakes its reader, gives back its unauthenticated slot, and tells the
    /// handler if a socket was connected.
    func closeSession(_ session: Session, reason: SocketIODisconnectReason, closePacket: String = "1") {
        sessions.withLockedValue { _ = $0.removeValue(forKey: session.id) }
        guard let closing = session.close(reason: reason, closePacket: closePacket) else { return }
        logger.debug("session closed", metadata: ["sid": "\(session.id)", "reason": "\(reason.rawValue)"])
        if let address = closing.admissionSlot {
            admission.release(address)
            handler.unauthenticatedSessionClosed(reason: reason)
        }
        if case .connected(let socket) = closing.socket {
            sockets.withLockedValue { _ = $0.removeValue(forKey: socket.id) }
            handler.disconnected(socket, reason: reason)
        }
        // `.connecting`: the task delivering `connected` sees the close and reports it (see `completeConnect`).
    }

    /// Closes every session; for graceful shutdown.
    public func closeAll() {
        let all = sessions.withLockedValue { Array($0.values) }
        for session in all { closeSession(session, reason: .serverShuttingDown) }
    }

    // MARK: Heartbeat

    /// Sends pings, closes sessions whose pong is late, sessions that did not authenticate in time and
    /// sockets whose credentials expired, until the task is cancelled; then closes every session. One loop
    /// serves all sessions, so an idle session needs no timer.
    public func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: configuration.sweepInterval) } catch { break }
            sweep(now: .now)
        }
        closeAll()
    }

    func sweep(now: ContinuousClock.Instant) {
        let all = sessions.withLockedValue { Array($0.values) }
        let ping = EngineIOPacket(.ping).encoded
        for session in all {
            let action: SweepAction = session.state.withLockedValue { state in
                if let deadline = state.connectDeadline, now >= deadline { return .timeout(.connectTimeout) }
                if let expiry = state.expiresAt, now >= expiry { return .expired }
                if let deadline = state.pongDeadline {
                    return now >= deadline ? .timeout(.pingTimeout) : .none
                }
                guard now >= state.nextPingAt else { return .none }
                state.pongDeadline = now + configuration.pingTimeout
                return .ping
            }
            switch action {
            case .none: break
            case .ping: send([ping], to: session)
            case .timeout(let reason): closeSession(session, reason: reason)
            case .expired: disconnect(session, notice: configuration.expiryNotice, reason: .credentialsExpired)
            }
        }
    }

    func receivedPong(_ session: Session) {
        session.state.withLockedValue { state in
            state.pongDeadline = nil
            state.nextPingAt = .now + configuration.pingInterval
        }
    }

    // MARK: Helpers

    /// 120 random bits, URL-safe: session and socket IDs must not be guessable (an ID is the only credential
    /// a polling request carries).
    static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<15).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// The `open` packet of a new session.
    func openPacket(_ session: Session, upgrades: [String]) -> String {
        let handshake: JSONValue = .object([
            "sid": .string(session.id),
            "upgrades": .array(upgrades.map(JSONValue.string)),
            "pingInterval": .integer(Self.milliseconds(configuration.pingInterval)),
            "pingTimeout": .integer(Self.milliseconds(configuration.pingTimeout)),
            "maxPayload": .integer(Int64(configuration.maxPayload)),
        ])
        return EngineIOPacket(.open, handshake.jsonText).encoded
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// What the heartbeat sweep does with one session.
enum SweepAction {
    case none, ping
    case timeout(SocketIODisconnectReason)
    case expired
}

/// Running totals of a `SocketIOServer`.
public struct SocketIOStats: Sendable, Equatable {
    public var sessions = 0
    public var connectedSockets = 0
    public var eventsEmitted = 0
    public var queueOverflows = 0
    public var refusedConnects = 0
    /// Sessions open that have not authenticated, and the most there ever were at once.
    public var unauthenticatedSessions = 0
    public var peakUnauthenticatedSessions = 0
    /// Handshakes refused by the caps on unauthenticated sessions, by cap.
    public var refusedHandshakes: [SocketIOHandshakeRefusal: Int] = [:]
}

extension SocketIOServer {
    /// 1 while a long-polling GET waits on the session, else 0; lets tests wait for a pending poll instead
    /// of sleeping.
    func pendingPollCount(sid: String) -> Int {
        guard let session = session(id: sid) else { return 0 }
        return session.state.withLockedValue { $0.waiter?.kind == .poll ? 1 : 0 }
    }
}
