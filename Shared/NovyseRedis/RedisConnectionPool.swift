import Logging
import NIOConcurrencyHelpers

/// The connections of one client, leased to pool threads one call at a time.
///
/// `@unchecked Sendable` because it hands non-Sendable `RedisConnection`s between threads: every
/// stored property is guarded by `lock`, and a connection is reachable either from `idle` (under the
/// lock) or from the single thread that leased it, never both. All methods block and must only be
/// called from the client's thread pool.
final class RedisConnectionPool: @unchecked Sendable {
    private let configuration: RedisConfiguration
    private let logger: Logger
    /// Turned off only by tests, to exercise the retry-once path on stale connections.
    private let checksIdleConnections: Bool

    private let lock = NIOLock()
    private var idle: [RedisConnection] = []
    private var blockingCalls: [ObjectIdentifier: RedisCallInterrupt] = [:]
    private var isClosed = false
    private var isReportedUnavailable = false

    init(configuration: RedisConfiguration, logger: Logger, checksIdleConnections: Bool = true) {
        self.configuration = configuration
        self.logger = logger
        self.checksIdleConnections = checksIdleConnections
    }

    /// Runs one command on a leased connection.
    ///
    /// A reused connection that fails because the server had gone away is the normal aftermath of a
    /// Redis restart; the command never reached the new server, so it is retried once on a fresh
    /// connection. Any other failure is reported as is. Idle connections are checked before reuse,
    /// so this retry only covers a close racing with the check, and the rare server that died after
    /// executing a command but before answering; there the command runs twice, which is why stream
    /// consumers must tolerate duplicates anyway.
    func execute(_ arguments: [String], timeout: Duration, interrupt: RedisCallInterrupt?) throws -> RedisValue {
        let (connection, reused) = try lease(reuseIdle: true)
        do {
            defer { giveBack(connection) }
            return try perform(arguments, timeout: timeout, on: connection, interrupt: interrupt)
        } catch let error as RedisError {
            try throwIfClosedOrCancelled(interrupt)
            guard reused, connection.failedBecausePeerWasGone, case .io = error else { throw error }
            logger.debug("stale Redis connection, retrying once on a new one", metadata: ["error": "\(error)"])
        }
        let (fresh, _) = try lease(reuseIdle: false)
        defer { giveBack(fresh) }
        do {
            return try perform(arguments, timeout: timeout, on: fresh, interrupt: interrupt)
        } catch let error as RedisError {
            try throwIfClosedOrCancelled(interrupt)
            throw error
        }
    }

    /// Frees idle connections, interrupts blocking calls and refuses new leases; connections still
    /// leased are freed as their calls return.
    func close() {
        let connections = lock.withLock {
            isClosed = true
            blockingCalls.values.forEach { $0.cancel() }
            defer { idle = [] }
            return idle
        }
        connections.forEach { $0.close() }
    }

    private func perform(
        _ arguments: [String],
        timeout: Duration,
        on connection: RedisConnection,
        interrupt: RedisCallInterrupt?
    ) throws -> RedisValue {
        guard let interrupt else { return try connection.command(arguments, timeout: timeout) }
        let key = ObjectIdentifier(interrupt)
        try lock.withLock {
            guard !isClosed else { throw RedisError.shutDown }
            blockingCalls[key] = interrupt
        }
        defer { _ = lock.withLock { blockingCalls.removeValue(forKey: key) } }
        guard interrupt.attach(connection.fileDescriptor) else { throw CancellationError() }
        defer { interrupt.detach() }
        return try connection.command(arguments, timeout: timeout)
    }

    /// An interrupted call fails with an I/O error; report why it was interrupted instead.
    private func throwIfClosedOrCancelled(_ interrupt: RedisCallInterrupt?) throws {
        if lock.withLock({ isClosed }) { throw RedisError.shutDown }
        if interrupt?.isCancelled == true { throw CancellationError() }
    }

    private func lease(reuseIdle: Bool) throws -> (connection: RedisConnection, reused: Bool) {
        var stale: [RedisConnection] = []
        let reusable: RedisConnection? = try lock.withLock {
            guard !isClosed else { throw RedisError.shutDown }
            guard reuseIdle else { return nil }
            while let candidate = idle.popLast() {
                if checksIdleConnections && candidate.looksDisconnected {
                    stale.append(candidate)
                    continue
                }
                return candidate
            }
            return nil
        }
        stale.forEach { $0.close() }
        if let reusable { return (reusable, true) }
        if !stale.isEmpty {
            logger.debug("dropping Redis connections closed by the server", metadata: ["count": "\(stale.count)"])
        }
        return (try connect(), false)
    }

    private func connect() throws -> RedisConnection {
        let connection: RedisConnection
        do {
            connection = try RedisConnection.connect(configuration)
        } catch {
            let firstFailure = lock.withLock {
                defer { isReportedUnavailable = true }
                return !isReportedUnavailable
            }
            // Logged once per outage: while Redis is down every call fails here.
            if firstFailure {
                logger.warning("Redis unavailable", metadata: ["error": "\(error)"])
            }
            throw error
        }
        let (accepted, recovered) = lock.withLock {
            defer { isReportedUnavailable = false }
            return (!isClosed, isReportedUnavailable)
        }
        if recovered { logger.info("Redis reachable again") }
        guard accepted else {
            connection.close()
            throw RedisError.shutDown
        }
        return connection
    }

    private func giveBack(_ connection: RedisConnection) {
        let kept = lock.withLock {
            guard !isClosed, !connection.isBroken else { return false }
            idle.append(connection)
            return true
        }
        if !kept { connection.close() }
    }
}
