import Foundation
import Logging
import NovyseCore
import NovyseFCM
import NovyseRedis
import NovyseStorage
import PostgresNIO
import ServiceLifecycle

/// Sends the queued wake-ups through FCM, as one consumer of the group `NOVYSE_WAKEUP_GROUP` on
/// `<prefix>:wakeups`: however many fan-out processes run, each wake-up goes to one of them.
///
/// One loop, until graceful shutdown:
/// - release the trailing wake-ups whose window ended (`RedisScripts.wakeupReleaseTrailing`),
/// - every `claimInterval`, `XAUTOCLAIM` what a consumer (this one included) left pending for `claimIdle`,
/// - `XREADGROUP … BLOCK`, look the devices' current tokens up in Postgres, send (up to `concurrency`
///   at once), remove tokens FCM reports dead, `XACK`.
///
/// The group (created from `0`, recreated after Redis lost it) is read and claimed through
/// `RedisGroupConsumer`, the loop the projector shares.
///
/// A wake-up is acknowledged once FCM's answer is final (sent, dead token, dropped). One whose send was
/// cut by shutdown, or whose token lookup failed, stays pending and is claimed later: delivery is at least
/// once, which is harmless for a collapsible, content-free wake-up.
struct WakeupSender: Service {
    let redis: RedisClient
    let tokens: PushTokenStore
    let configuration: WakeupConfiguration
    let logger: Logger
    let metrics = WakeupMetrics()
    /// Waits until start-up migration is done, so token lookups never meet a half-created schema.
    var schemaReady: @Sendable () async -> Void = {}

    /// Pauses between failed rounds against Redis (FCM retries are the FCM client's, with its own backoff).
    static let backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(2))

    init(redis: RedisClient, postgres: PostgresClient, configuration: WakeupConfiguration, logger: Logger) {
        self.redis = redis
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "component"] = "wakeup"
        logger[metadataKey: "consumer"] = "\(configuration.consumer)"
        self.logger = logger
        tokens = PushTokenStore(client: postgres, logger: logger)
    }

    func run() async throws {
        guard let fcmConfiguration = configuration.fcm else {
            logger.notice("FCM wake-ups are disabled: NOVYSE_FCM_SERVICE_ACCOUNT_FILE is not set")
            try? await gracefulShutdown()
            return
        }
        let fcm = FCMClient(configuration: fcmConfiguration, logger: logger)
        await cancelWhenGracefulShutdown { [schemaReady] in await schemaReady() }
        if !Self.stopping {
            logger.info(
                "wake-up sender consuming",
                metadata: [
                    "stream": "\(configuration.streamKey)", "group": "\(configuration.group)",
                    "project": "\(fcmConfiguration.serviceAccount.projectID)", "window": "\(configuration.window)",
                ]
            )
            await loop(fcm)
        }
        await fcm.shutdown()
        logger.info("wake-up sender stopped")
    }

    static var stopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    /// Sleeps, or returns early at graceful shutdown.
    static func pause(_ delay: Duration) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
    }

    private func loop(_ fcm: FCMClient) async {
        // From "0": wake-ups queued before any sender ever ran are still sent.
        let groups = RedisGroupConsumer(
            redis: redis, keys: [configuration.streamKey], group: configuration.group, consumer: configuration.consumer,
            startID: "0", logger: logger
        )
        var nextClaim = ContinuousClock.now
        var nextTrailing = ContinuousClock.now
        var backoff = Self.backoff
        var redisDown = false
        while !Self.stopping {
            do {
                try await groups.prepare()
                if ContinuousClock.now >= nextTrailing {
                    try await releaseTrailing()
                    nextTrailing = ContinuousClock.now + configuration.trailingInterval
                }
                if ContinuousClock.now >= nextClaim {
                    try await claim(fcm, groups)
                    nextClaim = ContinuousClock.now + configuration.claimInterval
                }
                guard !Self.stopping else { break }
                let untilTrailing = nextTrailing - ContinuousClock.now
                let batches = try await groups.read(
                    count: configuration.batchSize, block: max(.milliseconds(1), min(configuration.block, untilTrailing))
                )
                if redisDown {
                    redisDown = false
                    logger.notice("Redis reachable again; wake-ups resume")
                }
                backoff.reset()
                for batch in batches where !batch.entries.isEmpty {
                    try await handle(batch.entries, fcm)
                }
            } catch {
                if Self.stopping { break }
                if !redisDown {
                    redisDown = true
                    logger.error(
                        "wake-up sender failing; retrying with backoff",
                        metadata: ["error": "\(String(reflecting: error))"]
                    )
                }
                await Self.pause(backoff.next())
            }
        }
    }

    /// Queues the trailing wake-ups whose window ended, in pages, across all processes at most once each:
    /// reads the earliest members of the trailing set, then releases those still there and due
    /// (`RedisScripts.wakeupReleaseTrailing`, which takes every device's window key as a key).
    func releaseTrailing() async throws {
        var released = 0
        repeat {
            let candidates = try await trailingCandidates()
            guard !candidates.isEmpty else { return }
            let reply = try await redis.run(
                RedisScripts.wakeupReleaseTrailing,
                keys: [configuration.streamKey, configuration.trailingKey] + candidates.map(configuration.coalescingKey(member:)),
                arguments: [String(WakeupQueue.milliseconds(configuration.window)), String(configuration.streamMaxLength)]
                    + candidates
            )
            guard case .integer(let count) = reply else {
                throw RedisError.unexpectedReply("wake-up trailing script: expected an integer, got \(reply)")
            }
            released = count
            metrics.count(.trailing, by: count)
        } while released == configuration.batchSize && !Self.stopping
    }

    /// The `batchSize` members of the trailing set whose windows end first (`ZRANGE … 0 n-1`).
    private func trailingCandidates() async throws -> [String] {
        let reply = try await redis.send(["ZRANGE", configuration.trailingKey, "0", String(configuration.batchSize - 1)])
        guard case .array(let members) = reply else {
            throw RedisError.unexpectedReply("ZRANGE of the trailing set: expected an array, got \(reply)")
        }
        return try members.map { member in
            guard case .string(let text) = member else {
                throw RedisError.unexpectedReply("ZRANGE of the trailing set: expected members, got \(member)")
            }
            return text
        }
    }

    /// Takes over wake-ups left pending for `claimIdle` (a dead process's, or this one's after a failed
    /// token lookup) and handles them.
    func claim(_ fcm: FCMClient, _ groups: RedisGroupConsumer) async throws {
        try await groups.claim(minIdle: configuration.claimIdle, count: configuration.batchSize, maxPages: 10) { batch in
            logger.info("claimed wake-ups left pending", metadata: ["count": "\(batch.entries.count)"])
            try await handle(batch.entries, fcm)
        }
    }
}
