import Foundation
import PostgresNIO

/// The Postgres floors of `bench http`, measured through the same pooled PostgresNIO client kind the
/// services use: a bare round trip (`SELECT 1`) and a durable one-row commit, at a given concurrency.
enum PostgresLoad {
    static func roundTrip(_ client: PostgresClient, workers: Int, count: Int) async throws -> BenchFigures {
        try await run("postgres SELECT 1", workers: workers, count: count) { _ in try await client.query("SELECT 1") }
    }

    static func commit(_ client: PostgresClient, workers: Int, count: Int) async throws -> BenchFigures {
        try await run("postgres durable 1-row commit", workers: workers, count: count) { _ in
            try await client.query("INSERT INTO novyse_bench_floor (v) VALUES ('x')")
        }
    }

    static func prepareFloor(_ client: PostgresClient) async throws {
        try await client.query("CREATE TABLE IF NOT EXISTS novyse_bench_floor (id bigserial PRIMARY KEY, v text NOT NULL)")
    }

    static func dropFloor(_ client: PostgresClient) async throws {
        try await client.query("DROP TABLE IF EXISTS novyse_bench_floor")
    }

    /// `count` operations over `workers` tasks (each told its index), after one warm-up call per worker.
    static func run(
        _ name: String, workers: Int, count: Int, _ operation: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> BenchFigures {
        let perWorker = max(1, count / workers)
        for worker in 0..<workers { try await operation(worker) }  // warm the pool's connections
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
                        latencies.append(BenchFigures.milliseconds(clock.now - start))
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let seconds = BenchFigures.milliseconds(clock.now - started) / 1000
        return BenchFigures(name: name, connections: workers, samples: samples, seconds: seconds, failures: 0)
    }
}
