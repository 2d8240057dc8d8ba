import Foundation
import Logging
import NovyseCore
import NovyseRedis
import NovyseStorage
import PostgresNIO
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// One test's world: a private database and Redis, the real command service, and any number of real
/// `novyse-projector` processes on them; plus a Redis client for the test's own reads and faults.
final class ProjectorFixture: Sendable {
    let database: TestDatabase
    let redisServer: LocalRedis
    let command: CommandHarness
    let redis: RedisClient
    /// A client on the test's database for the whole test (polling opens no connection per check).
    let postgres: PostgresClient
    private let postgresRun: Task<Void, Never>
    let layout = PipelineLayout(prefix: "novyse", partitions: 16)
    let group = "projector"
    /// Every projector started, killed ones included, for their output when something fails.
    private let projectors = Locked<[(consumer: String, service: RunningService)]>([])

    /// Short intervals so that claims, sweeps and group re-creation happen within a test's patience.
    static let projectorEnvironment = [
        "NOVYSE_PROJECTOR_BATCH": "100",
        "NOVYSE_PROJECTOR_BLOCK_MS": "200",
        "NOVYSE_PROJECTOR_CLAIM_INTERVAL_MS": "300",
        "NOVYSE_PROJECTOR_CLAIM_IDLE_MS": "500",
        "NOVYSE_PROJECTOR_SWEEP_MS": "300",
        "NOVYSE_PROJECTOR_GROUP": "projector",
    ]

    private init(
        database: TestDatabase, redisServer: LocalRedis, command: CommandHarness, redis: RedisClient, postgres: PostgresClient,
        postgresRun: Task<Void, Never>
    ) {
        self.database = database
        self.redisServer = redisServer
        self.command = command
        self.redis = redis
        self.postgres = postgres
        self.postgresRun = postgresRun
    }

    static func start() async throws -> ProjectorFixture {
        let database = try await TestPostgres.shared.makeDatabase()
        let redisServer = try await LocalRedis.start()
        let command: CommandHarness
        do {
            command = try await CommandHarness.start(database: database, redis: redisServer)
        } catch {
            await redisServer.stop()
            throw error
        }
        var logger = Logger(label: "novyse.projector.tests")
        logger.logLevel = .warning
        let redis = RedisClient(configuration: try RedisConfiguration(url: redisServer.url, poolSize: 4), logger: logger)
        let postgres = PostgresClient(
            configuration: try DatabaseConfiguration(url: database.url, maximumConnections: 4).client,
            backgroundLogger: PostgresBackgroundLogHandler.logger(wrapping: logger)
        )
        return ProjectorFixture(
            database: database, redisServer: redisServer, command: command, redis: redis, postgres: postgres,
            postgresRun: await postgres.runInBackground()
        )
    }

    /// Runs `body` with a fresh fixture and always tears it down.
    static func with<T>(_ body: (ProjectorFixture) async throws -> T) async throws -> T {
        let fixture = try await start()
        do {
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            print(fixture.diagnostics())
            await fixture.stop()
            throw error
        }
    }

    func stop() async {
        for (_, service) in projectors.current { await service.process.stop(grace: .seconds(5)) }
        let started = ContinuousClock.now
        await command.stopService()
        if ContinuousClock.now - started > .seconds(5) {
            print("novyse-command took \(ContinuousClock.now - started) to stop after SIGTERM")
        }
        postgresRun.cancel()
        await postgresRun.value
        await redis.shutdown()
        await redisServer.stop()
    }

    /// Starts a projector whose consumer is named `consumer` and waits until it answers `/health/live`.
    @discardableResult
    func startProjector(consumer: String, environment extra: [String: String] = [:]) async throws -> RunningService {
        var environment = Self.projectorEnvironment
        environment["NOVYSE_PROJECTOR_CONSUMER"] = consumer
        environment.merge(extra) { _, new in new }
        let service = try await RunningService.start(
            "novyse-projector", portKey: "NOVYSE_PROJECTOR_PORT", databaseURL: database.url, redisURL: redisServer.url,
            environment: environment
        )
        projectors.withLock { $0.append((consumer, service)) }
        return service
    }

    /// SIGKILL: no drain, no acknowledgement, no goodbye; entries it had read stay pending under its name.
    func kill(_ projector: RunningService) async {
        projector.process.signal(SIGKILL)
        _ = await projector.process.waitForExit(timeout: TestDeadline.generous)
    }

    /// The tail of every projector's output, for failure messages.
    func diagnostics() -> String {
        projectors.current.map { consumer, service in
            let state = service.process.exitStatus.map { "exited \($0)" } ?? "running"
            return "--- projector \(consumer) (pid \(service.process.pid), \(state)):\n\(service.process.capturedOutput.suffix(3000))"
        }.joined(separator: "\n")
    }

    /// Waits for the command side's outbox to be empty (everything committed has been published).
    func waitForEmptyOutbox(timeout: Duration = TestDeadline.generous) async throws {
        try await TestDeadline.waitUntil("the outbox to drain", timeout: timeout) {
            (try? await outboxCount()) == 0
        }
    }

    func outboxCount() async throws -> Int {
        let rows = try await postgres.query("SELECT count(*)::int FROM novyse.outbox", logger: storeLogger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
