import Foundation
import Logging
import NovyseCore
import NovyseSocketIOClient
import NovyseSocketIOCodec

/// What the socket tells the client, in arrival order.
enum SocketSignal: Sendable {
    /// The Socket.IO CONNECT was accepted: run an update cycle (the socket only carries what happens from now).
    case connected
    /// A server event with its single argument.
    case event(name: String, data: JSONValue)
    /// The connection ended (it reconnects on its own unless stopped).
    case disconnected(reason: String)
}

/// The product's Socket.IO connection, kept connected: one `SocketIOClient` session at a time (it answers
/// pings and treats a silent server as dead after `pingInterval + pingTimeout`), reconnecting with capped,
/// jittered backoff until stopped. Every signal goes into one stream, so the client handles them in order.
final class SocketConnection: Sendable {
    private struct State {
        var running: Task<Void, Never>?
        var attempt: Task<String, Never>?
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
                    try await session(url: url)
                } catch {
                    logger.debug("socket ended", metadata: ["error": "\(error)"])
                    return "\(error)"
                }
                return "closed"
            }
            state.withLock { $0.attempt = attempt }
            let ending = await attempt.value
            let wasConnected = state.withLock { state in
                defer { state.connected = false }
                return state.connected
            }
            signals.yield(.disconnected(reason: wasConnected ? ending : "could not connect: \(ending)"))
            failures = wasConnected ? 0 : failures + 1
            if state.withLock({ $0.stopped }) { break }
            try? await Task.sleep(for: backoff.delay(retry: failures))
        }
    }

    /// One Socket.IO session on the shared client (which answers pings and treats a silent server as dead):
    /// CONNECT with the token, then events until it ends.
    private func session(url: String) async throws {
        let client = try await SocketIOClient.connect(
            url: try WebSocketURL(url), auth: .object(["token": .string(token)])
        )
        defer { client.drop() }
        state.withLock {
            $0.connected = true
            $0.connects += 1
        }
        signals.yield(.connected)
        await withTaskCancellationHandler {
            for await packet in client.packets {
                guard let (name, arguments) = packet.event else { continue }
                signals.yield(.event(name: name, data: arguments.first ?? .null))
            }
        } onCancel: {
            client.drop()
        }
        if let ending = client.ending { throw ending }
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
