import Foundation
import Logging
import NovyseFCM
import NovyseRedis
import NovyseStorage
import PostgresNIO
import ServiceLifecycle

/// Sends the queued wake-ups through FCM, as one consumer of the group `NOVYSE_WAKEUP_GROUP` on
/// `<prefix>:wakeups`: however many fan-out processes run, each wake-up goes to one of them.
///
/// One loop, until graceful shutdown:
/// - release the trailing wake-ups whose window ended (`WakeupScripts.releaseTrailing`),
/// - every `claimInterval`, `XAUTOCLAIM` what a consumer (this one included) left pending for `claimIdle`,
/// - `XREADGROUP … BLOCK`, look the devices' current tokens up in Postgres, send (up to `concurrency`
///   at once), remove tokens FCM reports dead, `XACK`.
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

    static let initialBackoff = Duration.milliseconds(50)
    static let maximumBackoff = Duration.seconds(2)

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
        var groupReady = false
        var nextClaim = ContinuousClock.now
        var nextTrailing = ContinuousClock.now
        var backoff = Self.initialBackoff
        var redisDown = false
        while !Self.stopping {
            do {
                if !groupReady {
                    // From "0": wake-ups queued before any sender ever ran are still sent.
                    try await redis.xgroupCreate(configuration.streamKey, group: configuration.group, startID: "0", makeStream: true)
                    groupReady = true
                }
                if ContinuousClock.now >= nextTrailing {
                    try await releaseTrailing()
                    nextTrailing = ContinuousClock.now + configuration.trailingInterval
                }
                if ContinuousClock.now >= nextClaim {
                    try await claim(fcm)
                    nextClaim = ContinuousClock.now + configuration.claimInterval
                }
                guard !Self.stopping else { break }
                let untilTrailing = nextTrailing - ContinuousClock.now
                let batches = try await redis.xreadgroup(
                    group: configuration.group, consumer: configuration.consumer,
                    streams: [(key: configuration.streamKey, id: ">")], count: configuration.batchSize,
                    block: max(.milliseconds(1), min(configuration.block, untilTrailing))
                )
                if redisDown {
                    redisDown = false
                    logger.notice("Redis reachable again; wake-ups resume")
                }
                backoff = Self.initialBackoff
                for batch in batches where !batch.entries.isEmpty {
                    try await handle(batch.entries, fcm)
                }
            } catch RedisError.server(let kind, let message) where kind == "NOGROUP" || kind == "UNBLOCKED" {
                logger.warning("wake-up consumer group missing, recreating it", metadata: ["error": "\(message)"])
                groupReady = false
            } catch {
                if Self.stopping { break }
                if !redisDown {
                    redisDown = true
                    logger.error(
                        "wake-up sender failing; retrying with backoff",
                        metadata: ["error": "\(String(reflecting: error))"]
                    )
                }
                await Self.pause(backoff)
                backoff = min(backoff * 2, Self.maximumBackoff)
            }
        }
    }

    /// Queues the trailing wake-ups whose window ended, in pages, across all processes at most once each.
    func releaseTrailing() async throws {
        var released = 0
        repeat {
            let reply = try await redis.send(
                [
                    "EVAL", WakeupScripts.releaseTrailing, "2", configuration.streamKey, configuration.trailingKey,
                    String(WakeupQueue.milliseconds(configuration.window)), String(configuration.streamMaxLength),
                    String(configuration.batchSize), configuration.coalescingKeyPrefix,
                ]
            )
            guard case .integer(let count) = reply else {
                throw RedisError.unexpectedReply("wake-up trailing script: expected an integer, got \(reply)")
            }
            released = count
            metrics.count(.trailing, by: count)
        } while released == configuration.batchSize && !Self.stopping
    }

    /// Takes over wake-ups left pending for `claimIdle` (a dead process's, or this one's after a failed
    /// token lookup) and handles them.
    func claim(_ fcm: FCMClient) async throws {
        var start = "0-0"
        var pages = 0
        repeat {
            let result = try await redis.xautoclaim(
                configuration.streamKey, group: configuration.group, consumer: configuration.consumer,
                minIdle: configuration.claimIdle, start: start, count: configuration.batchSize
            )
            if !result.entries.isEmpty {
                logger.info("claimed wake-ups left pending", metadata: ["count": "\(result.entries.count)"])
                try await handle(result.entries, fcm)
            }
            start = result.nextStart
            pages += 1
        } while start != "0-0" && pages < 10 && !Self.stopping
    }
}
