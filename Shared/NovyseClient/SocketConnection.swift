import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NovyseCore

/// What the socket tells the client, in arrival order.
enum SocketSignal: Sendable {
    /// The Socket.IO CONNECT was accepted: run an update cycle (the socket only carries what happens from now).
    case connected
    /// A server event with its single argument.
    case event(name: String, data: JSONValue)
    /// The connection ended (it reconnects on its own unless stopped).
    case disconnected(reason: String)
}

/// A Socket.IO v5 client over a WebSocket (Engine.IO v4) that keeps itself connected: it answers pings,
/// treats a silent server as dead after `pingInterval + pingTimeout`, and reconnects with capped, jittered
/// backoff until stopped. Every signal goes into one stream, so the client handles them in order.
final class SocketConnection: Sendable {
    private struct State {
        var running: Task<Void, Never>?
        var attempt: Task<Void, Never>?
        var stopped = true
        var connected = false
        var connects = 0
    }

    private let state = LockedState(State())
    private let urlProvider: @Sendable () -> String
    private let token: String
    private let signals: AsyncStream<SocketSignal>.Continuation
    private let backoff: Backoff
    private let logger: Logger

    init(
        urlProvider: @escaping @Sendable () -> String, token: String, signals: AsyncStream<SocketSignal>.Continuation,
        backoff: Backoff, logger: Logger
    ) {
        self.urlProvider = urlProvider
        self.token = token
        self.signals = signals
        self.backoff = backoff
        self.logger = logger
    }

    /// Whether the Socket.IO session is connected right now.
    var isConnected: Bool { state.withLock { $0.connected } }
    /// Successful CONNECTs so far.
    var connectCount: Int { state.withLock { $0.connects } }

    /// Starts the connect/reconnect loop (no-op while it runs).
    func start() {
        state.withLock { state in
            guard state.stopped else { return }
            state.stopped = false
            state.running = Task { [self] in await loop() }
        }
    }

    /// Stops reconnecting and closes the connection; returns once the loop has ended.
    func stop() async {
        let running = state.withLock { state -> Task<Void, Never>? in
            state.stopped = true
            state.attempt?.cancel()
            state.running?.cancel()
            defer { state.running = nil }
            return state.running
        }
        await running?.value
        signals.finish()
    }

    /// Closes the current connection abruptly (as a network drop would); the loop reconnects.
    func drop() {
        state.withLock { $0.attempt?.cancel() }
    }

    private func loop() async {
        var failures = 0
        while !state.withLock({ $0.stopped }) {
            let url = Self.socketURL(urlProvider())
            let attempt = Task { [self] in
                do {
                    try await WebSocketClient.connect(
                        url: url, configuration: .init(maxFrameSize: 1 << 24), logger: logger
                    ) { inbound, outbound, _ in
                        try await self.session(inbound: inbound, outbound: outbound)
                    }
                } catch {
                    logger.debug("socket ended", metadata: ["error": "\(error)"])
                }
            }
            state.withLock { $0.attempt = attempt }
            await attempt.value
            let wasConnected = state.withLock { state in
                defer { state.connected = false }
                return state.connected
            }
            signals.yield(.disconnected(reason: wasConnected ? "closed" : "could not connect"))
            failures = wasConnected ? 0 : failures + 1
            if state.withLock({ $0.stopped }) { break }
            try? await Task.sleep(for: backoff.delay(retry: failures))
        }
    }

    /// One Engine.IO session: handshake, Socket.IO CONNECT with the token, then events until it ends.
    private func session(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let lastSeen = LockedState(ContinuousClock.now)
        let silence = LockedState(Duration.seconds(60))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // A server that stops pinging is dead (a killed process behind a proxy, a broken path).
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(250))
                    if ContinuousClock.now - lastSeen.withLock({ $0 }) > silence.withLock({ $0 }) {
                        throw NovyseClientError.transport("server silent")
                    }
                }
            }
            group.addTask { [self] in
                for try await message in inbound.messages(maxSize: 1 << 24) {
                    guard case .text(let text) = message else { continue }
                    lastSeen.withLock { $0 = .now }
                    if let stop = try await handle(text, outbound: outbound, silence: silence), stop { return }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Handles one Engine.IO packet; returns true when the session should end.
    private func handle(_ text: String, outbound: WebSocketOutboundWriter, silence: LockedState<Duration>) async throws -> Bool? {
        switch text.first {
        case "0":
            let open = JSONValue.parse(String(text.dropFirst()))?.objectValue ?? [:]
            let interval = open["pingInterval"]?.int64Value ?? 25_000
            let timeout = open["pingTimeout"]?.int64Value ?? 20_000
            silence.withLock { $0 = .milliseconds(interval + timeout) }
            try await outbound.write(.text("40" + JSONValue.object(["token": .string(token)]).jsonText))
        case "2":
            try await outbound.write(.text("3"))
        case "1":
            return true
        case "4":
            return try socketIOPacket(String(text.dropFirst()))
        default:
            break
        }
        return nil
    }

    private func socketIOPacket(_ packet: String) throws -> Bool? {
        if packet.hasPrefix("0") {
            state.withLock { $0.connected = true; $0.connects += 1 }
            signals.yield(.connected)
        } else if packet.hasPrefix("1") {
            return true
        } else if packet.hasPrefix("4") {
            throw NovyseClientError.rejected(status: 401, code: "CONNECT_ERROR", message: String(packet.dropFirst()))
        } else if packet.hasPrefix("2") {
            // `2[name, data]`, possibly with an ack id before the array (the server sends none).
            let body = packet.dropFirst().drop { $0.isNumber }
            if let values = JSONValue.parse(String(body))?.arrayValue, let name = values.first?.stringValue {
                signals.yield(.event(name: name, data: values.count > 1 ? values[1] : .null))
            }
        }
        return nil
    }

    /// `ws://host:port/socket.io/?EIO=4&transport=websocket` from an `http://host:port` base URL.
    static func socketURL(_ base: String) -> String {
        var url = base.trimmingSuffix("/")
        if url.hasPrefix("https://") { url = "wss://" + url.dropFirst(8) } else if url.hasPrefix("http://") { url = "ws://" + url.dropFirst(7) }
        return url + "/socket.io/?EIO=4&transport=websocket"
    }
}

/// A value behind a lock, for the little mutable state shared between the socket's tasks.
final class LockedState<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
