import ArgumentParser
import Foundation
import Logging
import NovyseDevServers
import NovyseService
import NovyseStorage
import PostgresNIO

/// The services as clients meet them: every figure is over HTTP with keep-alive connections against the
/// real binaries (`BenchStack`), beside the floors it stands on measured in the same run — the same
/// service's `GET /health/live` (the HTTP floor) and a bare Postgres round trip and durable one-row commit
/// at the same concurrency — so the ratios say how close to its floor each request is.
struct HTTPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Update, initialize, history, send, edit and reaction over HTTP, beside the HTTP and Postgres floors."
    )

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("redis-url"), help: "Redis URL (default: $REDIS_URL).") var redisURL: String?
    @Option(help: "Chats the reader is in.") var chats: Int = 100
    @Option(help: "Messages per chat in the reader's initial state.") var messages: Int = 20
    @Option(help: "Messages per chat in the delta (plus one reaction per chat).") var delta: Int = 5
    @Option(help: "Requests per measurement line (initialize: a fifth of it).") var requests: Int = 2000
    @Option(help: "Concurrent connections for the reads.") var readConnections: [Int] = [1, 4]
    @Option(help: "Concurrent connections for the writes.") var writeConnections: [Int] = [1, 4, 16]
    @Option(help: "Run only the lines whose name contains this text (the floors always run): one request under perf.")
    var only: String?
    @Option(
        help:
            "Rounds of the reads, then of the writes: RSS after each shows whether a service grows under steady load; the ratios are the last round's."
    )
    var rounds: Int = 1

    func run() async throws {
        let databaseURL = try database.resolvedURL()
        guard let redisURL = redisURL ?? EnvironmentReader().string("REDIS_URL") else {
            throw ValidationError("set REDIS_URL or pass --redis-url")
        }
        guard chats >= 16, messages >= 1, delta >= 1, requests >= 10, rounds >= 1 else {
            throw ValidationError("--chats must be at least 16 (one per concurrent sender); --messages, --delta, --requests positive")
        }
        let stack = try await BenchStack.start([.command, .projector, .query], databaseURL: databaseURL, redisURL: redisURL)
        do {
            try await withPostgresClient(url: databaseURL, maximumConnections: 20, logger: Logger(label: "bench")) { client in
                try await measure(stack, client: client, databaseURL: databaseURL)
            }
        } catch {
            for kind in [ServiceKind.command, .projector, .query] { print("\(kind.executableName) log tail:\n\(stack.logTail(kind))") }
            await stack.stop()
            throw error
        }
        await stack.stop()
    }

    private func measure(_ stack: BenchStack, client: PostgresClient, databaseURL: String) async throws {
        print("chats=\(chats) messages=\(messages) delta=\(delta) requests=\(requests) database=\(DatabaseConfiguration.redacted(databaseURL))")
        let world = try await HTTPBenchWorld.seed(stack, chats: chats, messages: messages, delta: delta)
        print("seeded: initialize answer \(world.initializeBytes / 1024) KiB; \(rss(stack))")
        var lines: [String: BenchFigures] = [:]
        func record(_ figures: BenchFigures) {
            print(figures.line)
            lines["\(figures.name) ×\(figures.connections)"] = figures
        }
        func record(_ name: String, _ measure: () async throws -> BenchFigures) async throws {
            if let only, !name.contains(only) { return }
            record(try await measure())
        }
        let reader = ["Authorization": "Bearer \(world.reader)", "Content-Type": "application/json"]
        let peer = ["Authorization": "Bearer \(world.peer)", "Content-Type": "application/json"]
        let query = stack.queryPort
        let command = stack.commandPort

        // Reads repeat before any write, so the device's cursors stay current for "nothing new".
        for round in 1...rounds {
            print("\n-- reads (query service)\(rounds > 1 ? ", round \(round) of \(rounds)" : "") --")
            for connections in readConnections {
                record(
                    try await HTTPLoad.run("query GET /health/live", port: query, connections: connections, requests: requests) { _, _ in
                        ("GET", "/health/live", [:], [])
                    })
                record(try await PostgresLoad.roundTrip(client, workers: connections, count: requests))
                try await record("update, nothing new") {
                    try await HTTPLoad.run("update, nothing new", port: query, connections: connections, requests: requests) { _, _ in
                        ("POST", "/user/update", reader, world.current)
                    }
                }
                try await record("update, delta") {
                    try await HTTPLoad.run("update, delta", port: query, connections: connections, requests: requests / 4) { _, _ in
                        ("POST", "/user/update", reader, world.before)
                    }
                }
                try await record("initialize") {
                    try await HTTPLoad.run("initialize", port: query, connections: connections, requests: requests / 5, warmUp: 5) { _, _ in
                        ("GET", "/user/initialize?limit=100000", reader, [])
                    }
                }
                try await record("history page (50)") {
                    try await HTTPLoad.run("history page (50)", port: query, connections: connections, requests: requests) { worker, index in
                        let chat = world.chats[abs(worker * 7 + index) % world.chats.count]
                        return ("GET", "/chat/history?chatUUID=\(chat.uuidString)&limit=50", reader, [])
                    }
                }
                print("  RSS after ×\(connections): \(rss(stack))")
            }
        }

        try await PostgresLoad.prepareFloor(client)
        for round in 1...rounds {
            print("\n-- writes (command service)\(rounds > 1 ? ", round \(round) of \(rounds)" : "") --")
            for connections in writeConnections {
                record(
                    try await HTTPLoad.run("command GET /health/live", port: command, connections: connections, requests: requests) { _, _ in
                        ("GET", "/health/live", [:], [])
                    })
                record(try await PostgresLoad.commit(client, workers: connections, count: requests))
                try await record("send") {
                    try await HTTPLoad.run("send", port: command, connections: connections, requests: requests) { worker, index in
                        let body =
                            #"{"chatUUID":"\#(world.chats[worker].uuidString)","content":"bench \#(index)","clientMessageID":"\#(UUID().uuidString)"}"#
                        return ("POST", "/message", peer, Array(body.utf8))
                    }
                }
                try await record("edit") {
                    try await HTTPLoad.run("edit", port: command, connections: connections, requests: requests) { worker, index in
                        let body =
                            #"{"chatUUID":"\#(world.chats[worker].uuidString)","messageID":\#(world.firstMessages[worker]),"content":"edit \#(index)"}"#
                        return ("PATCH", "/message", peer, Array(body.utf8))
                    }
                }
                try await record("reaction (add, withdraw)") {
                    try await HTTPLoad.run("reaction (add, withdraw)", port: command, connections: connections, requests: requests) { worker, index in
                        let body = #"{"chatUUID":"\#(world.chats[worker].uuidString)","messageID":\#(world.firstMessages[worker]),"reaction":"🎉"}"#
                        return (index % 2 == 0 ? "PUT" : "DELETE", "/message/reaction", peer, Array(body.utf8))
                    }
                }
                print("  RSS after ×\(connections): \(rss(stack))")
            }
        }
        try await PostgresLoad.dropFloor(client)
        print("\nafter the run: \(rss(stack))")
        print("\n-- against the floors --")
        for line in HTTPBenchReport.ratios(lines, reads: readConnections, writes: writeConnections) { print(line) }
    }

    private func rss(_ stack: BenchStack) -> String {
        [ServiceKind.command, .projector, .query].map { "\($0.rawValue) RSS \(stack.residentBytes($0) / 1_048_576) MiB" }
            .joined(separator: ", ")
    }
}
