import Logging
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle

/// A Redis client over hiredis' blocking API.
///
/// hiredis blocks the calling thread, so every call runs on a thread pool owned by the client and
/// never on a NIO event loop or the Swift concurrency pool; callers just `await`. Connections are
/// created lazily, replaced after I/O errors, and recreated after a Redis restart, so one client can
/// live for the whole process.
///
/// Run it in a `ServiceGroup` before the services that use it: the group stops services in reverse
/// order, so the client then shuts down after its users.
public final class RedisClient: Service, Sendable {
    public let configuration: RedisConfiguration
    private let logger: Logger
    private let threadPool: NIOThreadPool
    private let connections: RedisConnectionPool
    private let lifecycle = NIOLockedValueBox(Lifecycle.running)

    private enum Lifecycle {
        case running
        /// Every `shutdown()` caller awaits the same task, which makes shutdown idempotent.
        case stopping(Task<Void, Never>)
    }

    public convenience init(configuration: RedisConfiguration, logger: Logger) {
        self.init(configuration: configuration, logger: logger, checksIdleConnections: true)
    }

    init(configuration: RedisConfiguration, logger: Logger, checksIdleConnections: Bool) {
        var configuration = configuration
        configuration.poolSize = max(1, configuration.poolSize)
        var logger = logger
        logger[metadataKey: "redis"] = "\(configuration.host):\(configuration.port)"
        self.configuration = configuration
        self.logger = logger
        self.connections = RedisConnectionPool(configuration: configuration, logger: logger, checksIdleConnections: checksIdleConnections)
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.poolSize)
        self.threadPool.start()
    }

    deinit {
        // A client dropped without `shutdown()` must not leak its threads and sockets.
        if case .running = lifecycle.withLockedValue({ $0 }) {
            connections.close()
            threadPool.shutdownGracefully { _ in }
        }
    }

    /// Waits for graceful shutdown (or cancellation) of the service group, then shuts down.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes all connections and stops the threads. Blocking reads in flight are interrupted and
    /// fail with `.shutDown`; other calls in flight finish first. Safe to call any number of times.
    public func shutdown() async {
        let task: Task<Void, Never> = lifecycle.withLockedValue { state in
            switch state {
            case .stopping(let task):
                return task
            case .running:
                let task = Task { [connections, threadPool, logger] in
                    connections.close()
                    do {
                        try await threadPool.shutdownGracefully()
                    } catch {
                        logger.debug("Redis thread pool did not shut down cleanly", metadata: ["error": "\(error)"])
                    }
                }
                state = .stopping(task)
                return task
            }
        }
        await task.value
    }

    /// Sends any command. `XREAD`/`XREADGROUP` with `BLOCK n` get `n` added to the command timeout
    /// so that waiting for entries is not mistaken for a dead server. `BLOCK 0` (wait forever) is not
    /// supported: it would hold a connection and a thread indefinitely; it fails with `.timeout`.
    public func send(_ arguments: [String]) async throws -> RedisValue {
        try await execute(arguments, blockingFor: Self.blockTime(in: arguments))
    }

    public func ping() async throws {
        let reply = try await execute(["PING"])
        guard try reply.requireString("PING") == "PONG" else {
            throw RedisError.unexpectedReply("PING: expected PONG, got \(reply)")
        }
    }

    /// Runs one command on the thread pool. `block` is how long the command may legitimately wait on
    /// the server; such calls can also be interrupted by task cancellation.
    func execute(_ arguments: [String], blockingFor block: Duration? = nil) async throws -> RedisValue {
        guard isRunning else { throw RedisError.shutDown }
        let timeout = block.map { $0 + configuration.commandTimeout } ?? configuration.commandTimeout
        let interrupt = block == nil ? nil : RedisCallInterrupt()
        do {
            return try await withTaskCancellationHandler {
                try await threadPool.runIfActive { [connections] in
                    try connections.execute(arguments, timeout: timeout, interrupt: interrupt)
                }
            } onCancel: {
                interrupt?.cancel()
            }
        } catch is CancellationError where !isRunning {
            // The thread pool drops queued work as cancelled when it shuts down.
            throw RedisError.shutDown
        }
    }

    private var isRunning: Bool {
        if case .running = lifecycle.withLockedValue({ $0 }) { return true }
        return false
    }

    /// The `BLOCK` argument of `XREAD`/`XREADGROUP`, looked for before `STREAMS` because key names
    /// and IDs after it are arbitrary.
    static func blockTime(in arguments: [String]) -> Duration? {
        guard let command = arguments.first?.uppercased(), command == "XREAD" || command == "XREADGROUP" else {
            return nil
        }
        var index = 1
        while index + 1 < arguments.count {
            let word = arguments[index].uppercased()
            if word == "STREAMS" { return nil }
            if word == "BLOCK" {
                guard let milliseconds = Int(arguments[index + 1]), milliseconds > 0 else { return nil }
                return .milliseconds(milliseconds)
            }
            index += 1
        }
        return nil
    }
}
