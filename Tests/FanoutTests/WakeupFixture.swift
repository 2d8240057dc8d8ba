import Foundation
import Logging
import NovyseCore
import NovyseFCM
import NovyseRedis
import NovyseStorage
import PostgresNIO
import ServiceLifecycle
import TestSupport
import Testing

@testable import FanoutService

/// One wake-up test's world: a private database and Redis, the fake OAuth + FCM server, clients for the
/// test's own reads, and any number of `WakeupSender`s, each in its own `ServiceGroup` as in a process.
final class WakeupFixture: Sendable {
    let database: TestDatabase
    let redisServer: LocalRedis
    let redis: RedisClient
    let postgres: PostgresClient
    let fake: FCMFakeServer
    let logger: Logger
    private let postgresRun: Task<Void, Never>
    private let senders = Locked<[(group: ServiceGroup, task: Task<Void, any Error>)]>([])

    private init(
        database: TestDatabase, redisServer: LocalRedis, redis: RedisClient, postgres: PostgresClient, postgresRun: Task<Void, Never>,
        fake: FCMFakeServer, logger: Logger
    ) {
        self.database = database
        self.redisServer = redisServer
        self.redis = redis
        self.postgres = postgres
        self.fake = fake
        self.logger = logger
        self.postgresRun = postgresRun
    }

    static func with<T>(_ body: (WakeupFixture) async throws -> T) async throws -> T {
        var logger = Logger(label: "wakeup.tests")
        logger.logLevel = .warning
        let database = try await TestPostgres.shared.makeDatabase(migrated: true)
        let redisServer = try await LocalRedis.start()
        let fake: FCMFakeServer
        do { fake = try await FCMFakeServer.start() } catch {
            await redisServer.stop()
            throw error
        }
        let redis = RedisClient(configuration: try RedisConfiguration(url: redisServer.url, poolSize: 4), logger: logger)
        let postgres = PostgresClient(
            configuration: try DatabaseConfiguration(url: database.url, maximumConnections: 4).client,
            backgroundLogger: PostgresBackgroundLogHandler.logger(wrapping: logger)
        )
        let fixture = WakeupFixture(
            database: database, redisServer: redisServer, redis: redis, postgres: postgres, postgresRun: await postgres.runInBackground(),
            fake: fake, logger: logger
        )
        do {
            let result = try await body(fixture)
            try await fixture.stop()
            return result
        } catch {
            try? await fixture.stop()
            throw error
        }
    }

    /// Stops every sender gracefully and returns how long they took; `stop()` also bounds that, loosely,
    /// and the dedicated shutdown test bounds it against timers far longer than the bound.
    @discardableResult
    func stopSenders() async throws -> Duration {
        let started = ContinuousClock.now
        let running = senders.withLock { running in
            defer { running = [] }
            return running
        }
        for sender in running { await sender.group.triggerGracefulShutdown() }
        for sender in running { try await sender.task.value }
        return ContinuousClock.now - started
    }

    /// Stops every sender (gracefully: the loop must notice shutdown), then the rest.
    func stop() async throws {
        let stopping = try await stopSenders()
        fake.state.withLock { $0.sendDelay = .zero }
        postgresRun.cancel()
        await postgresRun.value
        await redis.shutdown()
        await fake.stop()
        await redisServer.stop()
        // Catches a sender that does not stop at all; whether it interrupts its waits rather than waiting them
        // out is `gracefulShutdownCutsASlowSendShort`'s question, with timers ten times longer than its bound.
        #expect(stopping < TestDeadline.generous, "senders took \(stopping) to stop after graceful shutdown")
    }

    /// Short intervals so that claims and trailing releases happen within a test's patience.
    func configuration(
        consumer: String = "sender-1", window: Duration = .seconds(30), claimIdle: Duration = .seconds(30), maxAttempts: Int = 4,
        requestTimeout: Duration = .seconds(5)
    ) throws -> WakeupConfiguration {
        let fcm = FCMConfiguration(
            serviceAccount: try FCMTestAccount.shared.serviceAccount(tokenURI: fake.tokenURI),
            baseURL: fake.baseURL, maxAttempts: maxAttempts, initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(200),
            maxRetryAfter: .seconds(5), requestTimeout: requestTimeout
        )
        return WakeupConfiguration(
            fcm: fcm, prefix: "novyse", window: window, group: "wakeup", consumer: consumer, batchSize: 50, concurrency: 8,
            block: .milliseconds(200), claimInterval: .milliseconds(100), claimIdle: claimIdle
        )
    }

    func queue(window: Duration = .seconds(30)) throws -> WakeupQueue {
        WakeupQueue(redis: redis, configuration: try configuration(window: window))
    }

    /// Starts a sender as its own "process" (service group).
    func startSender(_ configuration: WakeupConfiguration) {
        let sender = WakeupSender(redis: redis, postgres: postgres, configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [sender], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        senders.withLock { $0.append((group, task)) }
    }

    /// A user with one device holding `token`.
    func makeDevice(token: String?, deviceID: String = "phone") async throws -> WakeupDevice {
        let handle = "w" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let user = try await UserRepository(client: postgres, logger: logger).create(ProfileFields(handle: handle, name: "Wake"))
        try await postgres.query(
            "INSERT INTO novyse.devices (user_uuid, device_id, push_token) VALUES (\(user), \(deviceID), \(token))", logger: logger
        )
        return WakeupDevice(userUUID: user, deviceID: deviceID)
    }

    func pushToken(of device: WakeupDevice) async throws -> String? {
        try await PushTokenStore(client: postgres, logger: logger).token(userUUID: device.userUUID, deviceID: device.deviceID)
    }

    /// Entries in the wake-up stream, and those read but not yet acknowledged.
    func streamLength() async throws -> Int { try await redis.xlen("novyse:wakeups") }
    func pending() async throws -> Int {
        do { return try await redis.xpending("novyse:wakeups", group: "wakeup").count } catch RedisError.server(kind: "NOGROUP", _) { return 0 }
    }

    /// True once every entry of the stream was delivered to the group and acknowledged.
    func drained() async throws -> Bool {
        try await Self.drained(redis: redis)
    }

    /// The same for any Redis client (the end-to-end tests read the stream a real fan-out process sends from).
    static func drained(redis: RedisClient, stream: String = "novyse:wakeups", group: String = "wakeup") async throws -> Bool {
        let pending: Int
        do { pending = try await redis.xpending(stream, group: group).count } catch RedisError.server(kind: "NOGROUP", _) { return false }
        guard pending == 0 else { return false }
        guard case .array(let groups) = try await redis.send(["XINFO", "GROUPS", stream]) else { return false }
        for case .array(let fields) in groups {
            var info: [String: RedisValue] = [:]
            var index = 0
            while index + 1 < fields.count {
                if case .string(let name) = fields[index] { info[name] = fields[index + 1] }
                index += 2
            }
            if case .integer(let lag)? = info["lag"] { return lag == 0 }
        }
        return false
    }

    var sends: [FCMFakeState.SendRequest] { fake.state.current.sends }

    func describe() async -> String {
        let length = (try? await streamLength()) ?? -1
        let pending = (try? await pending()) ?? -1
        return "stream=\(length) pending=\(pending) sends=\(sends.count) tokens=\(fake.state.current.tokenRequests.count)"
    }
}
