import ArgumentParser
import Foundation
import Logging
import NovyseCore
import NovyseService
import NovyseStorage
import PostgresNIO

/// Initialize and update latency for a realistic user, measured at the query store (the answer's whole
/// cost: the REPEATABLE READ transaction, every statement and the JSON rendering in Postgres).
struct QueryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Initialize and update latency (p50, p99) and answers per second for a user with many chats."
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Chats of the measured user.") var chats: Int = 100
    @Option(help: "Messages per chat before the device syncs.") var messages: Int = 30
    @Option(help: "Items the device misses (messages, edits, reactions, profile events).") var delta: Int = 400
    @Option(help: "Answers per measurement.") var count: Int = 300
    @Option(help: "Concurrent readers.") var concurrency: Int = 4

    func run() async throws {
        let logger = Logger(label: "bench")
        let url = try database.resolvedURL()
        try await withPostgresClient(url: url, maximumConnections: concurrency + 4, logger: logger) { client in
            try await Migrator().migrate(client: client, logger: logger)
            let world = try await QueryBenchWorld.build(client: client, chats: chats, messages: messages, logger: logger)
            try await world.project(client: client, logger: logger)
            let store = QueryStore(client: client, logger: logger)
            let start = try await store.sync(caller: world.user, cursors: .empty, limit: 100_000, latestMessages: 50)
            let held = try QueryBenchWorld.cursors(of: start)
            try await world.writeDelta(items: delta, client: client, logger: logger)
            try await world.project(client: client, logger: logger)
            let current = try QueryBenchWorld.cursors(
                of: try await store.sync(caller: world.user, cursors: held, limit: 100_000, latestMessages: 50), base: held)

            let answer = try await store.sync(caller: world.user, cursors: held, limit: 100_000, latestMessages: 50)
            let items = answer.messages.count + answer.chatEvents.count + answer.userEvents.count + answer.localEvents.count
            print(
                "user: \(start.newChats.count) chats, \(start.newUsers.count) users, \(start.messages.count) messages in initialize; "
                    + "delta: \(items) items; count=\(count) concurrency=\(concurrency) database=\(DatabaseConfiguration.redacted(url))")
            try await measure("initialize (\(start.newChats.count) chats)") {
                _ = try await store.sync(caller: world.user, cursors: .empty, limit: 100_000, latestMessages: 50)
            }
            try await measure("update, delta of \(items) items") {
                _ = try await store.sync(caller: world.user, cursors: held, limit: 100_000, latestMessages: 50)
            }
            try await measure("update, nothing new") {
                _ = try await store.sync(caller: world.user, cursors: current, limit: 100_000, latestMessages: 50)
            }
        }
    }

    func measure(_ name: String, _ operation: @escaping @Sendable () async throws -> Void) async throws {
        let perWorker = max(1, count / concurrency)
        let clock = ContinuousClock()
        let started = clock.now
        let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var latencies: [Double] = []
                    for _ in 0..<perWorker {
                        let start = clock.now
                        try await operation()
                        latencies.append(Self.milliseconds(clock.now - start))
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }.sorted()
        }
        let seconds = Self.milliseconds(clock.now - started) / 1000
        print(
            String(
                format: "%@ p50 %7.2f ms  p99 %7.2f ms  %7.0f answers/s",
                name.padding(toLength: 40, withPad: " ", startingAt: 0) as NSString,
                samples[samples.count / 2], samples[min(samples.count - 1, samples.count * 99 / 100)],
                Double(samples.count) / seconds
            ))
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
