import Foundation
import NovyseRedis
import NovyseService

/// The projector worker's own knobs, beside the shared `ServiceConfiguration` (Postgres, Redis, prefix,
/// partitions). Every key has a default that suits production; tests shorten the intervals.
struct ProjectorConfiguration: Sendable {
    /// `NOVYSE_PROJECTOR_GROUP`: the Redis consumer group every projector replica joins.
    var group: String
    /// `NOVYSE_PROJECTOR_CONSUMER`: this process's consumer name in the group; unique per process by
    /// default (host, pid and a random suffix), so a restarted process never inherits a dead one's
    /// pending entries by name (they are claimed with `XAUTOCLAIM` instead).
    var consumer: String
    /// `NOVYSE_PROJECTOR_BATCH`: `COUNT` of each read (per partition) and of each claim.
    var batchSize: Int
    /// `NOVYSE_PROJECTOR_BLOCK_MS`: how long one `XREADGROUP` waits for new entries; also bounds how long
    /// graceful shutdown waits for the read in flight.
    var block: Duration
    /// `NOVYSE_PROJECTOR_CLAIM_INTERVAL_MS`: how often pending entries of other consumers are looked at.
    var claimInterval: Duration
    /// `NOVYSE_PROJECTOR_CLAIM_IDLE_MS`: how long an entry must have been pending before it is taken over.
    var claimIdle: Duration
    /// `NOVYSE_PROJECTOR_SWEEP_MS`: how often streams the snapshot lags on are healed from Postgres (and the
    /// lag gauges refreshed), whatever Redis delivered.
    var sweepInterval: Duration
    /// Streams healed per sweep call, and how many calls one sweep tick may make before reading again.
    var sweepLimit: Int
    var sweepRounds: Int

    static let defaultGroup = RedisKeyspace.defaultProjectorGroup

    init(
        group: String = ProjectorConfiguration.defaultGroup,
        consumer: String = ProjectorConfiguration.defaultConsumerName(),
        batchSize: Int = 500,
        block: Duration = .milliseconds(1000),
        claimInterval: Duration = .milliseconds(5000),
        claimIdle: Duration = .milliseconds(15000),
        sweepInterval: Duration = .milliseconds(2000),
        sweepLimit: Int = 1000,
        sweepRounds: Int = 20
    ) {
        self.group = group
        self.consumer = consumer
        self.batchSize = batchSize
        self.block = block
        self.claimInterval = claimInterval
        self.claimIdle = claimIdle
        self.sweepInterval = sweepInterval
        self.sweepLimit = sweepLimit
        self.sweepRounds = sweepRounds
    }

    /// Reads the `NOVYSE_PROJECTOR_*` keys; an unparsable value throws a `ConfigurationError` naming it.
    init(environment: EnvironmentReader = EnvironmentReader()) throws {
        self.init(
            group: environment.string("NOVYSE_PROJECTOR_GROUP", default: Self.defaultGroup),
            consumer: environment.string("NOVYSE_PROJECTOR_CONSUMER") ?? Self.defaultConsumerName(),
            batchSize: try environment.int("NOVYSE_PROJECTOR_BATCH", default: 500, range: 1...100_000),
            block: .milliseconds(try environment.int("NOVYSE_PROJECTOR_BLOCK_MS", default: 1000, range: 1...60_000)),
            claimInterval: .milliseconds(
                try environment.int("NOVYSE_PROJECTOR_CLAIM_INTERVAL_MS", default: 5000, range: 10...3_600_000)
            ),
            claimIdle: .milliseconds(
                try environment.int("NOVYSE_PROJECTOR_CLAIM_IDLE_MS", default: 15000, range: 1...86_400_000)
            ),
            sweepInterval: .milliseconds(try environment.int("NOVYSE_PROJECTOR_SWEEP_MS", default: 2000, range: 10...3_600_000))
        )
    }

    /// `<host>-<pid>-<4 random hex digits>`.
    static func defaultConsumerName() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "projector"
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }
}
