import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import NIOHTTP1
import NovyseCore

/// A device's sync engine: keeps a local SQLite database (GRDB) an exact mirror of what the server lets
/// this user see, through the seed's protocol.
///
/// - `initialize()` fills an empty mirror; `sync()` runs an update cycle (`POST /user/update` with every
///   cursor, each answer applied in one transaction, looping while `hasMore`, following `retryAfterMs`).
/// - `connect()` opens the Socket.IO connection: pushed items are applied when their `prevID` equals the
///   local cursor, and otherwise trigger an update cycle; every (re)connect runs one.
/// - `handleWakeup()` is what a background push (FCM) should call.
/// - Mutations (`send`, `edit`, …) carry an `Idempotency-Key` and are retried with it after a lost answer.
///
/// Everything that changes the mirror runs one at a time (a FIFO gate), so an update answer is always
/// applied on top of exactly the cursors it was asked for, and pushes never interleave with it.
public actor NovyseClient {
    /// The device's user (the token's `sub`).
    public nonisolated let userID: UUID
    /// The mirror. Read it freely (e.g. with GRDB observation); only the client writes to it.
    public nonisolated let database: any DatabaseWriter
    /// How this client was set up (its URLs, token and hooks).
    public nonisolated let configuration: NovyseClientConfiguration
    let api: APIClient
    let logger: Logger
    let backoff: Backoff
    var auditState = ClientAudit()
    private var gateBusy = false
    private var gateWaiters: [CheckedContinuation<Void, Never>] = []
    var socket: SocketConnection?
    var socketTask: Task<Void, Never>?
    var resyncScheduled = false

    /// Opens a client on `database` (an in-memory `DatabaseQueue`, or a `DatabasePool` on the app's file),
    /// migrating its schema. The mirror's content is kept: an app that restarts continues with `sync()`.
    public init(
        database: any DatabaseWriter, configuration: NovyseClientConfiguration,
        httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "novyse.client")
    ) throws {
        guard let user = JWTSubject.user(of: configuration.token) else {
            throw NovyseClientError.malformed("the token has no user (sub) claim")
        }
        try MirrorSchema.migrator.migrate(database)
        self.userID = user
        self.database = database
        self.configuration = configuration
        self.api = APIClient(http: httpClient, configuration: configuration)
        self.logger = logger
        self.backoff = Backoff(initial: configuration.initialBackoff, maximum: configuration.maxBackoff)
    }

    /// What was applied so far and every ordering violation seen.
    public var audit: ClientAudit { auditState }

    /// Whether the mirror holds an initialized state (it then syncs with updates, not initialize).
    public func isInitialized() async throws -> Bool {
        try await database.read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM local_state WHERE id = 1") != nil }
    }

    // MARK: Update cycles

    /// Replaces the mirror with a fresh `GET /user/initialize` (in one transaction), then continues with
    /// updates while the answer says `hasMore` or `retryAfterMs`.
    @discardableResult
    public func initialize() async throws -> ApplyReport {
        try await serialized { try await runInitialize() }
    }

    /// One update cycle: initializes an empty mirror, otherwise asks for everything after its cursors until
    /// the answer is complete. Safe to call at any time and from anywhere (it queues behind other work).
    @discardableResult
    public func sync() async throws -> ApplyReport {
        try await serialized { try await runCycle() }
    }

    /// The hook for a background wake-up (FCM data message `{"type": "sync"}`): one update cycle.
    @discardableResult
    public func handleWakeup() async throws -> ApplyReport {
        try await sync()
    }

    func runInitialize() async throws -> ApplyReport {
        auditState.cycles += 1
        do {
            let answer = try await withRetries(attempts: configuration.readAttempts) {
                try await self.api.send(.GET, base: self.configuration.queryURL, path: "/user/initialize" + self.limitQuery)
            }
            var report = try await apply(UpdateAnswer(initialize: answer.data), wipe: true)
            let pending = UpdateAnswer(initialize: answer.data)
            if pending.hasMore || pending.retryAfterMs > 0 {
                report.merge(try await runUpdates(firstDelay: pending.hasMore ? 0 : pending.retryAfterMs))
            }
            return report
        } catch {
            auditState.failedCycles += 1
            throw error
        }
    }

    func runCycle() async throws -> ApplyReport {
        guard try await isInitialized() else { return try await runInitialize() }
        auditState.cycles += 1
        do {
            return try await runUpdates(firstDelay: 0)
        } catch {
            auditState.failedCycles += 1
            throw error
        }
    }

    /// Update requests until an answer has neither `hasMore` nor `retryAfterMs` (the latter followed with
    /// growing pauses for at most `lagPatience`).
    private func runUpdates(firstDelay: Int) async throws -> ApplyReport {
        var report = ApplyReport()
        let lagDeadline = ContinuousClock.now + configuration.lagPatience
        var lagRounds = 0
        var delay = firstDelay
        while true {
            if delay > 0 {
                // The server's latest hint, doubled per round up to 16 times it, within `maxBackoff`; not
                // jittered, since the server asked for at least that.
                let hint = min(Duration.milliseconds(delay), configuration.maxBackoff)
                let lag = Backoff(initial: hint, maximum: min(hint * 16, configuration.maxBackoff), jitter: .none)
                try await Task.sleep(for: lag.delay(retry: lagRounds))
                lagRounds += 1
            }
            let limit = configuration.updateLimit
            guard let body = try await database.read({ db in try MirrorWriter.updateBody(db, limit: limit) }) else {
                throw NovyseClientError.notInitialized
            }
            let answer = try await withRetries(attempts: configuration.readAttempts) {
                try await self.api.send(.POST, base: self.configuration.queryURL, path: "/user/update", body: body)
            }
            let update = try UpdateAnswer(update: answer.data)
            report.merge(try await apply(update, wipe: false))
            if update.hasMore {
                delay = 0
                continue
            }
            guard update.retryAfterMs > 0 else { break }
            if ContinuousClock.now >= lagDeadline {
                report.stillLagging = true
                break
            }
            delay = update.retryAfterMs
        }
        return report
    }

    private var limitQuery: String { configuration.updateLimit.map { "?limit=\($0)" } ?? "" }

    /// Applies one answer in one write transaction (after wiping the mirror when `wipe`); on any failure the
    /// transaction rolls back and the mirror and its cursors stay as they were.
    func apply(_ answer: UpdateAnswer, wipe: Bool) async throws -> ApplyReport {
        let me = userID.key
        let strict = configuration.strictOrdering
        let fault = configuration.applyFault
        do {
            let (report, violations) = try await database.write { db in
                var writer = MirrorWriter(db: db, me: me, strict: strict, fault: fault)
                if wipe { try writer.wipe() }
                try writer.apply(answer)
                return (writer.report, writer.violations)
            }
            record(violations)
            auditState.answersApplied += 1
            auditState.appliedItems += report.total
            return report
        } catch {
            throw rolledBack(error)
        }
    }

    /// Counts a rolled-back apply and turns its cause into the client's error.
    func rolledBack(_ error: any Error) -> NovyseClientError {
        auditState.rolledBack += 1
        if case NovyseClientError.orderViolation(let text)? = error as? NovyseClientError {
            record([text])
            return .orderViolation(text)
        }
        return .applyFailed(String(describing: error))
    }

    func record(_ violations: [String]) {
        guard !violations.isEmpty else { return }
        auditState.violations += violations
        for violation in violations { logger.error("ordering violation", metadata: ["detail": "\(violation)"]) }
    }

    // MARK: Serialization and retries

    /// Runs `body` after every earlier caller's body has finished (FIFO), never interleaved with another.
    func serialized<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if gateBusy {
            await withCheckedContinuation { gateWaiters.append($0) }
        } else {
            gateBusy = true
        }
        defer {
            if gateWaiters.isEmpty { gateBusy = false } else { gateWaiters.removeFirst().resume() }
        }
        return try await body()
    }

    /// Runs `body` until it succeeds, fails with a final error, or `attempts` ran out (capped backoff between).
    func withRetries<T: Sendable>(attempts: Int, _ body: @Sendable () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch let error as NovyseClientError where error.isRetryable && attempt + 1 < attempts {
                logger.debug("retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try await Task.sleep(for: backoff.delay(retry: attempt))
                attempt += 1
            }
        }
    }
}
