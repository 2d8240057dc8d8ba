import ArgumentParser
import Foundation
import Logging
import NovyseCore
import NovyseService
import NovyseStorage
import PostgresNIO

/// `novysectl bench projector`: live apply and replay throughput of the projection, against a scratch
/// database. Writes `--events` items through `CommandStore` (messages, edits, reactions over a few chats and
/// users, from concurrent writers), then
/// (a) drains the outbox the way the relay would (`OutboxStore.claim` + delete) and feeds the entries to
///     `ProjectorStore.apply` in batches of `--batch`, as one projector consuming Redis does;
/// (b) rebuilds the snapshot from zero with `replay(swap: false)`, and checks that it equals (a)'s.
struct ProjectorBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projector",
        abstract: "Projector live-apply and replay throughput in events per second (use a scratch database)."
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Events to write (messages, edits and reactions, in equal parts).") var events: Int = 50_000
    @Option(help: "Concurrent writers while writing the events.") var writers: Int = 16
    @Option(help: "Users (members of every chat).") var users: Int = 8
    @Option(help: "Group chats (writers spread over them).") var chats: Int = 16
    @Option(help: "Entries per apply call, like NOVYSE_PROJECTOR_BATCH.") var batch: Int = 500
    @Option(help: "Concurrent appliers in an extra run (streams split among them like projector replicas); 0 skips it.")
    var appliers: Int = 4

    func validate() throws {
        guard events > 0, writers > 0, users > 1, chats > 0, batch > 0, appliers >= 0 else {
            throw ValidationError("--events, --writers, --chats and --batch must be positive, --users at least 2")
        }
    }

    func run() async throws {
        let logger = Logger(label: "bench")
        let url = try database.resolvedURL()
        try await withPostgresClient(url: url, maximumConnections: max(writers, appliers) + 2, logger: logger) { client in
            try await Migrator().migrate(client: client, logger: logger)
            let projector = ProjectorStore(client: client, logger: logger)
            print("database=\(DatabaseConfiguration.redacted(url)) events=\(events) writers=\(writers) users=\(users) chats=\(chats) batch=\(batch)")

            // Start from an empty outbox and a snapshot that covers what is already there.
            let leftover = try await drainOutbox(client, logger: logger)
            if !leftover.isEmpty { _ = try await projector.apply(leftover) }
            while try await projector.sweep(limit: 1000) > 0 {}

            // 1. Write.
            let written = try await write(client, logger: logger)
            print(
                String(
                    format: "write:   %8d events in %7.2f s  %9.0f events/s  (%d writers, CommandStore)",
                    written.events, written.seconds, Double(written.events) / written.seconds, writers))

            // 2. Live apply, one consumer.
            let entries = try await drainOutbox(client, logger: logger)
            let firstHalf = entries.count / 2
            let live = try await applyAll(Array(entries[..<firstHalf]), projector, appliers: 1)
            print(
                String(
                    format:
                        "live:    %8d items  in %7.2f s  %9.0f events/s  (one consumer, batches of %d; %d applied, %d creations, %d duplicates, %d healed)",
                    live.items, live.seconds, Double(live.items) / live.seconds, batch,
                    live.report.applied, live.report.creations, live.report.duplicates, live.report.healed))

            // 3. Live apply of the rest by concurrent appliers, streams split as partitions would split them.
            if appliers > 1 {
                let parallel = try await applyAll(Array(entries[firstHalf...]), projector, appliers: appliers)
                print(
                    String(
                        format: "live:    %8d items  in %7.2f s  %9.0f events/s  (%d concurrent consumers, batches of %d)",
                        parallel.items, parallel.seconds, Double(parallel.items) / parallel.seconds, appliers, batch))
            } else {
                _ = try await applyAll(Array(entries[firstHalf...]), projector, appliers: 1)
            }
            let lag = try await projector.lag()

            // 4. Replay from zero.
            let replay = try await projector.replay(swap: false)
            print(
                String(
                    format: "replay:  %8lld items  in %7.2f s  %9.0f items/s  (replay_all into snapshot_rebuild)",
                    replay.items, replay.seconds, replay.itemsPerSecond))
            print("snapshot after live apply: \(lag.streamsBehind) streams behind; equals a replay from zero: \(replay.matches)")
            if !replay.matches || lag.streamsBehind != 0 { throw ExitCode(1) }
        }
    }

    // MARK: Writing

    func write(_ client: PostgresClient, logger: Logger) async throws -> (events: Int, seconds: Double) {
        let store = CommandStore(client: client, logger: logger)
        let repository = UserRepository(client: client, logger: logger)
        let tag = UInt32.random(in: 0...UInt32.max)
        var people: [UUID] = []
        for index in 0..<users {
            people.append(try await repository.create(ProfileFields(handle: "bench\(tag)_\(index)", name: "Bench \(index)")))
        }
        var rooms: [UUID] = []
        for index in 0..<chats {
            let owner = people[index % people.count]
            let others = people.filter { $0 != owner }
            let (created, _) = try await store.transaction(idempotency: nil) { connection in
                try await store.createChat(by: owner, type: .group, members: others, name: "bench \(index)", on: connection)
            }
            rooms.append(UUID(uuidString: created.chatUUID)!)
        }
        let members = people
        let chatList = rooms
        // One cycle = a message, its edit, a reaction: three events.
        let cycles = max(1, events / 3)
        let perWriter = (cycles + writers - 1) / writers
        let clock = ContinuousClock()
        let started = clock.now
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<writers {
                let mine = min(perWriter, max(0, cycles - writer * perWriter))
                group.addTask {
                    var written = 0
                    for cycle in 0..<mine {
                        let chat = chatList[(writer + cycle * writers) % chatList.count]
                        let author = members[(writer + cycle) % members.count]
                        let reactor = members[(writer + cycle + 1) % members.count]
                        let sent = try await store.transaction(idempotency: nil, singleStatement: true) { connection in
                            try await store.sendMessage(
                                chat: chat, sender: author, content: "bench message \(writer)-\(cycle)", clientMessageID: UUID(),
                                on: connection
                            )
                        }.result
                        _ = try await store.transaction(idempotency: nil) { connection in
                            try await store.editMessage(sent.messageID, in: chat, content: "edited \(writer)-\(cycle)", by: author, on: connection)
                        }
                        _ = try await store.transaction(idempotency: nil) { connection in
                            try await store.setReaction(
                                ["👍", "🎉", "❤️", "😂"][cycle % 4], on: sent.messageID, in: chat, by: reactor, present: true, on: connection)
                        }
                        written += 3
                    }
                    return written
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = clock.now - started
        return (total, Self.seconds(elapsed))
    }

    // MARK: Applying

    /// Everything in the outbox, rendered and in order, in chunks of 5000 (claim + delete per chunk).
    func drainOutbox(_ client: PostgresClient, logger: Logger) async throws -> [PipelineEntry] {
        var entries: [PipelineEntry] = []
        while true {
            let chunk = try await client.withTransaction(logger: logger) { connection in
                let claim = try await OutboxStore.claim(limit: 5000, on: connection, logger: logger)
                try await OutboxStore.delete(claim.allIDs, on: connection, logger: logger)
                return claim
            }
            entries += chunk.items.map(\.entry)
            if chunk.allIDs.count < 5000 { return entries }
        }
    }

    /// Applies `entries` in batches of `batch`, by `appliers` concurrent tasks each owning the streams of its
    /// partitions (like projector replicas reading their partitions); times only the applying.
    func applyAll(
        _ entries: [PipelineEntry], _ projector: ProjectorStore, appliers: Int
    ) async throws -> (items: Int, seconds: Double, report: ProjectorStore.BatchReport) {
        var shares = Array(repeating: [PipelineEntry](), count: appliers)
        for entry in entries { shares[entry.stream.partition(of: appliers)].append(entry) }
        let batchSize = batch
        let clock = ContinuousClock()
        let started = clock.now
        let report = try await withThrowingTaskGroup(of: ProjectorStore.BatchReport.self) { group in
            for share in shares where !share.isEmpty {
                group.addTask {
                    var total = ProjectorStore.BatchReport()
                    var start = 0
                    while start < share.count {
                        let end = min(start + batchSize, share.count)
                        let part = try await projector.apply(Array(share[start..<end]))
                        total.applied += part.applied
                        total.duplicates += part.duplicates
                        total.creations += part.creations
                        total.healed += part.healed
                        start = end
                    }
                    return total
                }
            }
            return try await group.reduce(into: ProjectorStore.BatchReport()) { sum, part in
                sum.applied += part.applied
                sum.duplicates += part.duplicates
                sum.creations += part.creations
                sum.healed += part.healed
            }
        }
        return (entries.count, Self.seconds(clock.now - started), report)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
