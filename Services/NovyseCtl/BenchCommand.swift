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
        abstract: "Measure the write path, the projector, the query side and the fan-out, and print figures.",
        subcommands: [SendBench.self, ProjectorBench.self, QueryBench.self, FanoutBench.self]
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

    struct Figures {
        let p50: Double
        let p99: Double
        let perSecond: Double
    }

    /// Runs `count` operations over `workers` tasks and prints p50/p99 latency and throughput.
    func measure(_ name: String, workers: Int, _ operation: @escaping @Sendable (Int) async throws -> Void) async throws -> Figures {
        let perWorker = max(1, count / workers)
        let clock = ContinuousClock()
        let started = clock.now
        let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var latencies: [Double] = []
                    latencies.reserveCapacity(perWorker)
                    for _ in 0..<perWorker {
                        let start = clock.now
                        try await operation(worker)
                        latencies.append(
                            Double((clock.now - start).components.attoseconds) / 1e15
                                + Double((clock.now - start).components.seconds) * 1000)
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }.sorted()
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let figures = Figures(
            p50: samples[samples.count / 2], p99: samples[min(samples.count - 1, samples.count * 99 / 100)],
            perSecond: Double(samples.count) / seconds
        )
        print(
            String(
                format: "%@ p50 %7.3f ms  p99 %7.3f ms  %9.0f ops/s", name.padding(toLength: 48, withPad: " ", startingAt: 0) as NSString,
                figures.p50, figures.p99, figures.perSecond))
        return figures
    }
}
