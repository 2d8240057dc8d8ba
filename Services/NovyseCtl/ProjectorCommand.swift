import ArgumentParser
import Foundation
import Logging
import NovyseCore
import NovyseRedis
import NovyseService
import NovyseStorage
import PostgresNIO

struct ProjectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projector",
        abstract: "Inspect the projector's progress, or rebuild and verify the snapshot from the event store.",
        subcommands: [ProjectorStatusCommand.self, ProjectorReplayCommand.self]
    )
}

/// `--redis-url` and the pipeline layout, defaulting to the same environment keys as the services.
struct PipelineOptions: ParsableArguments {
    @Option(name: .customLong("redis-url"), help: "Redis URL (default: $REDIS_URL, else redis://127.0.0.1:6379).")
    var redisURL: String?
    @Option(help: "Consumer group (default: $NOVYSE_PROJECTOR_GROUP, else projector).")
    var group: String?
    @Option(help: "Redis key prefix (default: $NOVYSE_REDIS_PREFIX, else novyse).")
    var prefix: String?
    @Option(help: "Number of partitions (default: $NOVYSE_PARTITIONS, else 16).")
    var partitions: Int?

    func resolved() throws -> (url: String, group: String, layout: PipelineLayout) {
        let environment = EnvironmentReader()
        let url = redisURL ?? environment.string("REDIS_URL", default: "redis://127.0.0.1:6379")
        let group = group ?? environment.string("NOVYSE_PROJECTOR_GROUP", default: RedisKeyspace.defaultProjectorGroup)
        let prefix = prefix ?? environment.string("NOVYSE_REDIS_PREFIX", default: RedisKeyspace.defaultPrefix)
        let partitions = try partitions ?? environment.int("NOVYSE_PARTITIONS", default: 16, range: 1...1024)
        guard partitions > 0 else { throw ValidationError("--partitions must be positive") }
        return (url, group, PipelineLayout(prefix: prefix, partitions: partitions))
    }
}

/// `novysectl projector status`: per partition the stream length, the group's pending count and lag, and
/// who holds pending entries; then how many streams the snapshot is behind the event store.
struct ProjectorStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per partition: length, pending entries, group lag and consumers; plus the snapshot's lag behind Postgres."
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var pipeline: PipelineOptions

    func run() async throws {
        let logger = Observability.logger("novysectl", level: .notice)
        let (url, group, layout) = try pipeline.resolved()
        let databaseURL = try database.resolvedURL()
        let redis = RedisClient(configuration: try RedisConfiguration(url: url, poolSize: 2), logger: logger)
        var failed = false
        do {
            print("group \(group), prefix \(layout.prefix), \(layout.partitions) partitions")
            print(Self.row(["partition", "key", "length", "pending", "lag", "consumers"]))
            var totals = (length: 0, pending: 0, lag: 0, lagKnown: true)
            var holders: [String: Int] = [:]
            for partition in 0..<layout.partitions {
                let key = layout.key(partition: partition)
                let length = try await redis.xlen(key)
                totals.length += length
                guard let info = try await Self.groupInfo(redis, key: key, group: group) else {
                    print(Self.row(["\(partition)", key, "\(length)", "-", "-", "no group"]))
                    totals.lagKnown = false
                    continue
                }
                totals.pending += info.pending
                if let lag = info.lag { totals.lag += lag } else { totals.lagKnown = false }
                if info.pending > 0 {
                    let summary = try await redis.xpending(key, group: group)
                    holders.merge(summary.consumers, uniquingKeysWith: +)
                }
                print(
                    Self.row([
                        "\(partition)", key, "\(length)", "\(info.pending)", info.lag.map(String.init) ?? "?", "\(info.consumers)",
                    ]))
            }
            print(Self.row(["total", "", "\(totals.length)", "\(totals.pending)", totals.lagKnown ? "\(totals.lag)" : "?", ""]))
            if !holders.isEmpty {
                let list = holders.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                print("pending by consumer: \(list)")
            }
            print("lag = entries in the stream not yet delivered to the group (Redis 7; ? when Redis cannot tell)")
        } catch {
            failed = true
            print("redis: \(error)")
        }
        await redis.shutdown()
        try await withPostgresClient(url: databaseURL, maximumConnections: 2, logger: logger) { client in
            let lag = try await ProjectorStore(client: client, logger: logger).lag()
            print("snapshot: \(lag.streamsBehind) streams behind the event store (id distance \(lag.idDistance))")
        }
        if failed { throw ExitCode(1) }
    }

    struct GroupInfo {
        var pending: Int
        var lag: Int?
        var consumers: Int
    }

    /// The group's entry of `XINFO GROUPS <key>`; nil when the key or the group does not exist.
    static func groupInfo(_ redis: RedisClient, key: String, group: String) async throws -> GroupInfo? {
        let reply: RedisValue
        do {
            reply = try await redis.send(["XINFO", "GROUPS", key])
        } catch RedisError.server(kind: "ERR", let message) where message.lowercased().contains("no such key") {
            return nil
        }
        guard case .array(let groups) = reply else { return nil }
        for case .array(let pairs) in groups {
            var fields: [String: RedisValue] = [:]
            var index = 0
            while index + 1 < pairs.count {
                if case .string(let name) = pairs[index] { fields[name] = pairs[index + 1] }
                index += 2
            }
            guard case .string(let name)? = fields["name"], name == group else { continue }
            return GroupInfo(pending: integer(fields["pending"]) ?? 0, lag: integer(fields["lag"]), consumers: integer(fields["consumers"]) ?? 0)
        }
        return nil
    }

    static func integer(_ value: RedisValue?) -> Int? {
        switch value {
        case .integer(let number)?: number
        case .string(let text)?: Int(text)
        default: nil
        }
    }

    static func row(_ columns: [String]) -> String {
        let widths = [10, 28, 10, 10, 10, 10]
        return zip(columns, widths).map { $0.padding(toLength: max($1, $0.count + 1), withPad: " ", startingAt: 0) }
            .joined().trimmingCharacters(in: .whitespaces)
    }
}

/// `novysectl projector replay [--verify]`: rebuilds every snapshot table from the event tables beside the
/// live ones, then swaps it in (readers never see a half-built snapshot), or with `--verify` only compares.
struct ProjectorReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild the snapshot from the event store and swap it in; with --verify only compare checksums.",
        discussion: """
            Migrates first. Without --verify the rebuilt snapshot replaces the live one in one transaction; \
            streams written after the rebuild read them are caught up by the projector's sweep. With --verify \
            nothing changes and the exit status is 1 when the checksums differ. A verify while writes are in \
            flight can report a difference that is only the live snapshot being ahead of the rebuild: verify \
            when the projector's lag is 0 (novysectl projector status).
            """
    )

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Only compare the rebuilt snapshot's checksum with the live one; exit 1 on a difference.")
    var verify = false

    func run() async throws {
        let logger = Observability.logger("novysectl", level: .notice)
        let report = try await withPostgresClient(url: try database.resolvedURL(), maximumConnections: 2, logger: logger) { client in
            try await Migrator().migrate(client: client, logger: logger)
            return try await ProjectorStore(client: client, logger: logger).replay(swap: !verify)
        }
        print(String(format: "replayed %lld items in %.3f s (%.0f items/s)", report.items, report.seconds, report.itemsPerSecond))
        print("live checksum     \(report.liveChecksum)")
        print("rebuilt checksum  \(report.rebuiltChecksum)")
        if verify {
            if report.matches {
                print("verify: the live snapshot equals a replay from zero")
            } else {
                print("verify: DIFFERENT (the live snapshot does not equal a replay from zero)")
                throw ExitCode(1)
            }
        } else {
            print(report.matches ? "the live snapshot already matched" : "the live snapshot differed")
            print("swapped: the rebuilt snapshot is now live")
        }
    }
}
