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
        print(try await AsyncLoad.run(name, workers: concurrency, count: count) { _ in try await operation() }.line)
    }
}
