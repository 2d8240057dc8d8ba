import Foundation
import GRDB
import Logging
import NovyseClient
import NovyseCore
import NovyseRedis
import NovyseStorage
import PostgresNIO
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// One test's whole stack on a private Postgres database and Redis: the real `novyse-command`,
/// `novyse-projector`, `novyse-query` and one or more `novyse-fanout` processes, with faults to inject
/// (SIGKILL and restart of the projector or a fan-out, `FLUSHALL`) and a way to tell when it has settled.
final class ClientFixture: Sendable {
    let harness: CommandHarness
    let query: RunningService
    let postgres: PostgresClient
    private let postgresRun: Task<Void, Never>
    /// The running projector and fan-outs; replaced on restart. Fan-out ports are read by the devices'
    /// `fanoutURLProvider`, so a restarted process on a new port is found on the next reconnect.
    let projector: Locked<RunningService?>
    let fanouts: Locked<[RunningService]>
    /// Every process ever started, for diagnostics.
    private let started = Locked<[RunningService]>([])

    static let projectorEnvironment = [
        "NOVYSE_PROJECTOR_BATCH": "100", "NOVYSE_PROJECTOR_BLOCK_MS": "200", "NOVYSE_PROJECTOR_CLAIM_INTERVAL_MS": "300",
        "NOVYSE_PROJECTOR_CLAIM_IDLE_MS": "500", "NOVYSE_PROJECTOR_SWEEP_MS": "300",
    ]
    static let fanoutEnvironment = [
        "NOVYSE_FANOUT_BLOCK_MS": "200", "NOVYSE_FANOUT_PING_INTERVAL_MS": "2000", "NOVYSE_FANOUT_PING_TIMEOUT_MS": "2000",
    ]

    private init(harness: CommandHarness, query: RunningService, postgres: PostgresClient, postgresRun: Task<Void, Never>) {
        self.harness = harness
        self.query = query
        self.postgres = postgres
        self.postgresRun = postgresRun
        self.projector = Locked(nil)
        self.fanouts = Locked([])
    }

    /// Starts everything: command, query, a projector and `fanouts` fan-out processes.
    /// `commandEnvironment` is added to the command service's (count limits, for instance).
    static func start(fanouts count: Int = 1, commandEnvironment: [String: String] = [:]) async throws -> ClientFixture {
        let database = try await TestPostgres.shared.makeDatabase(migrated: true)
        let redis = try await LocalRedis.start()
        let harness = try await CommandHarness.start(database: database, redis: redis, environment: commandEnvironment)
        var logger = Logger(label: "novyse.client.tests")
        logger.logLevel = .warning
        let postgres = PostgresClient(
            configuration: try DatabaseConfiguration(url: database.url, maximumConnections: 2).client,
            backgroundLogger: PostgresBackgroundLogHandler.logger(wrapping: logger))
        let query: RunningService
        do {
            query = try await RunningService.start(
                "novyse-query", portKey: "NOVYSE_QUERY_PORT", databaseURL: database.url, redisURL: redis.url,
                environment: ["NOVYSE_QUERY_RETRY_AFTER_MS": "100"]
            )
        } catch {
            await harness.stop()
            throw error
        }
        let fixture = ClientFixture(harness: harness, query: query, postgres: postgres, postgresRun: await postgres.runInBackground())
        fixture.started.withLock { $0.append(query) }
        do {
            try await fixture.startProjector()
            for _ in 0..<count { try await fixture.addFanout() }
        } catch {
            await fixture.stop()
            throw error
        }
        return fixture
    }

    /// Runs `body` with a fresh fixture and always tears it down (printing the services' output on failure).
    static func with<T>(
        fanouts: Int = 1, commandEnvironment: [String: String] = [:], _ body: (ClientFixture) async throws -> T
    ) async throws -> T {
        let fixture = try await start(fanouts: fanouts, commandEnvironment: commandEnvironment)
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
        for service in started.current where service.process.isRunning { await service.process.stop(grace: .seconds(5)) }
        await harness.stop()
        postgresRun.cancel()
        await postgresRun.value
    }

    func diagnostics() -> String {
        started.current.map { service in
            "--- \(service.process.name) pid \(service.process.pid) \(service.process.exitStatus.map { "exited \($0)" } ?? "running"):\n"
                + String(service.process.capturedOutput.suffix(2000))
        }.joined(separator: "\n")
    }

    // MARK: Processes and faults

    func startProjector() async throws {
        var environment = Self.projectorEnvironment
        environment["NOVYSE_PROJECTOR_CONSUMER"] = "p-\(UInt32.random(in: 0...UInt32.max))"
        let service = try await RunningService.start(
            "novyse-projector", portKey: "NOVYSE_PROJECTOR_PORT", databaseURL: harness.database.url, redisURL: harness.redis.url,
            environment: environment
        )
        projector.withLock { $0 = service }
        started.withLock { $0.append(service) }
    }

    /// SIGKILL: no drain, no acknowledgement; what it had read stays pending for the next one to claim.
    func killProjector() async {
        guard
            let service = projector.withLock({ state -> RunningService? in
                defer { state = nil }
                return state
            })
        else { return }
        service.process.signal(SIGKILL)
        _ = await service.process.waitForExit(timeout: TestDeadline.generous)
    }

    func addFanout() async throws {
        let service = try await startFanout()
        fanouts.withLock { $0.append(service) }
    }

    private func startFanout() async throws -> RunningService {
        let service = try await RunningService.start(
            "novyse-fanout", portKey: "NOVYSE_FANOUT_PORT", databaseURL: harness.database.url, redisURL: harness.redis.url,
            environment: Self.fanoutEnvironment
        )
        started.withLock { $0.append(service) }
        try await TestDeadline.waitUntil("fan-out reading the pipeline") {
            service.process.capturedOutput.contains("fan-out reading the pipeline")
        }
        return service
    }

    /// SIGKILL of fan-out `index`, then a new process in its slot (on another port); its devices reconnect.
    func killAndRestartFanout(_ index: Int, downFor pause: Duration) async throws {
        let old = fanouts.current[index]
        old.process.signal(SIGKILL)
        _ = await old.process.waitForExit(timeout: TestDeadline.generous)
        try await Task.sleep(for: pause)
        let replacement = try await startFanout()
        fanouts.withLock { $0[index] = replacement }
    }

    func flushRedis() async throws {
        var logger = Logger(label: "novyse.client.tests.redis")
        logger.logLevel = .warning
        let redis = RedisClient(configuration: try RedisConfiguration(url: harness.redis.url, poolSize: 1), logger: logger)
        do {
            _ = try await redis.send(["FLUSHALL"])
        } catch {
            await redis.shutdown()
            throw error
        }
        await redis.shutdown()
    }

    // MARK: Settling

    /// The command side's outbox is empty and no stream of the snapshot is behind the event store.
    func pipelineSettled() async -> Bool {
        guard let outbox = try? await harness.count("novyse.outbox"), outbox == 0 else { return false }
        var logger = Logger(label: "novyse.client.tests.lag")
        logger.logLevel = .warning
        guard let lag = try? await ProjectorStore(client: postgres, logger: logger).lag() else { return false }
        return lag.streamsBehind == 0
    }

    func waitForPipeline(timeout: Duration = TestDeadline.generous) async throws {
        try await TestDeadline.waitUntil("outbox empty and projector lag 0", timeout: timeout) { await pipelineSettled() }
    }

    // MARK: Users and devices

    /// A token for another device of `user`.
    func token(_ user: TestUser, device: String) async throws -> String {
        let issued = try await harness.call(
            "POST", "/admin/tokens", admin: true, json: #"{"userUUID":"\#(user.id.uuidString)","deviceID":"\#(device)"}"#
        )
        guard let token = issued.data["token"]?.stringValue else { throw HarnessError("token: \(issued.body)") }
        return token
    }

    /// Client configuration for a device of `user`, whose socket goes to fan-out slot `fanout`.
    func configuration(token: String, fanout: Int = 0) -> NovyseClientConfiguration {
        let fanouts = fanouts
        var configuration = NovyseClientConfiguration(
            commandURL: "http://127.0.0.1:\(harness.service.port)", queryURL: "http://127.0.0.1:\(query.port)",
            fanoutURL: "http://127.0.0.1:\(fanouts.current[fanout].port)", token: token
        )
        configuration.fanoutURLProvider = { "http://127.0.0.1:\(fanouts.current[fanout].port)" }
        configuration.strictOrdering = true
        configuration.initialBackoff = .milliseconds(50)
        configuration.maxBackoff = .milliseconds(800)
        configuration.requestTimeout = .seconds(10)
        return configuration
    }

    /// A device with an in-memory mirror.
    func device(_ user: TestUser, name: String, fanout: Int = 0, adjust: (inout NovyseClientConfiguration) -> Void = { _ in }) async throws
        -> NovyseClient
    {
        var configuration = configuration(token: try await token(user, device: name), fanout: fanout)
        adjust(&configuration)
        var logger = Logger(label: "client.\(user.handle).\(name)")
        logger.logLevel = .warning
        return try NovyseClient(database: try DatabaseQueue(), configuration: configuration, logger: logger)
    }

    /// Every difference between `device` and a fresh initialize (+ full history) for its user.
    func divergence(of device: NovyseClient) async throws -> [String] {
        var configuration = device.configuration
        configuration.strictOrdering = false
        let canonical = try await NovyseClient.canonical(configuration: configuration)
        return canonical.differences(from: try await device.snapshot())
    }
}
