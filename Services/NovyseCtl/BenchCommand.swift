import ArgumentParser
import Foundation
import Logging
import NovyseCore
import NovyseService
import NovyseStorage
import PostgresNIO

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the services over HTTP, the write path, the projector, the query side and the fan-out, and print figures.",
        subcommands: [HTTPBench.self, SendBench.self, ProjectorBench.self, QueryBench.self, FanoutBench.self]
    )
}

/// Compares the cost of sending a message (lock, insert, head, outbox: one statement, one commit) with the
/// floor it stands on: one durable Postgres commit of a one-row insert.
struct SendBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Message send latency and throughput versus a bare durable commit."
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Operations per measurement.") var count: Int = 2000
    @Option(help: "Concurrent writers in the concurrent measurements.") var concurrency: Int = 16

    func run() async throws {
        let logger = Logger(label: "bench")
        let url = try database.resolvedURL()
        try await withPostgresClient(url: url, maximumConnections: concurrency + 2, logger: logger) { client in
            try await Migrator().migrate(client: client, logger: logger)
            try await client.query(
                "CREATE TABLE IF NOT EXISTS novyse_bench_floor (id bigserial PRIMARY KEY, v text NOT NULL)"
            )
            let store = CommandStore(client: client, logger: logger)
            let users = UserRepository(client: client, logger: logger)
            let sender = try await users.create(ProfileFields(handle: "bench\(UInt32.random(in: 0...UInt32.max))", name: "Bench"))
            // One chat per writer for the concurrent run (writers of one chat serialize by design, I1), and
            // one shared chat to show that cost too.
            var created: [UUID] = []
            for _ in 0..<max(1, concurrency) {
                let (chat, _) = try await store.transaction(idempotency: nil) { connection in
                    try await store.createChat(by: sender, type: .group, members: [], name: "bench", on: connection)
                }
                created.append(UUID(uuidString: chat.chatUUID)!)
            }
            let chats = created
            print("count=\(count) concurrency=\(concurrency) database=\(DatabaseConfiguration.redacted(url))")
            let floor = try await measure("durable commit (1-row insert)", workers: 1) { _ in
                try await client.query("INSERT INTO novyse_bench_floor (v) VALUES ('x')")
            }
            let send = try await measure("send message (1 chat)", workers: 1) { _ in
                _ = try await store.transaction(idempotency: nil, singleStatement: true) { connection in
                    try await store.sendMessage(chat: chats[0], sender: sender, content: "bench", clientMessageID: UUID(), on: connection)
                }
            }
            print(String(format: "send / commit (sequential p50): %.2fx", send.p50 / floor.p50))
            _ = try await measure("durable commit, \(concurrency) writers", workers: concurrency) { _ in
                try await client.query("INSERT INTO novyse_bench_floor (v) VALUES ('x')")
            }
            _ = try await measure("send message, \(concurrency) writers, own chats", workers: concurrency) { worker in
                _ = try await store.transaction(idempotency: nil, singleStatement: true) { connection in
                    try await store.sendMessage(chat: chats[worker], sender: sender, content: "bench", clientMessageID: UUID(), on: connection)
                }
            }
            _ = try await measure("send message, \(concurrency) writers, one chat", workers: concurrency) { _ in
                _ = try await store.transaction(idempotency: nil, singleStatement: true) { connection in
                    try await store.sendMessage(chat: chats[0], sender: sender, content: "bench", clientMessageID: UUID(), on: connection)
                }
            }
            try await client.query("DROP TABLE IF EXISTS novyse_bench_floor")
        }
    }

    /// Runs `count` operations over `workers` tasks and prints p50/p99 latency and throughput.
    func measure(_ name: String, workers: Int, _ operation: @escaping @Sendable (Int) async throws -> Void) async throws -> BenchFigures {
        let figures = try await AsyncLoad.run(name, workers: workers, count: count, operation)
        print(figures.line)
        return figures
    }
}
