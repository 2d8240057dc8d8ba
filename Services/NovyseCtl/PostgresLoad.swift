import Foundation
import PostgresNIO

/// The Postgres floors of `bench http`, measured through the same pooled PostgresNIO client kind the
/// services use: a bare round trip (`SELECT 1`) and a durable one-row commit, at a given concurrency.
enum PostgresLoad {
    static func roundTrip(_ client: PostgresClient, workers: Int, count: Int) async throws -> BenchFigures {
        try await AsyncLoad.run("postgres SELECT 1", workers: workers, count: count) { _ in try await client.query("SELECT 1") }
    }

    static func commit(_ client: PostgresClient, workers: Int, count: Int) async throws -> BenchFigures {
        try await AsyncLoad.run("postgres durable 1-row commit", workers: workers, count: count) { _ in
            try await client.query("INSERT INTO novyse_bench_floor (v) VALUES ('x')")
        }
    }

    static func prepareFloor(_ client: PostgresClient) async throws {
        try await client.query("CREATE TABLE IF NOT EXISTS novyse_bench_floor (id bigserial PRIMARY KEY, v text NOT NULL)")
    }

    static func dropFloor(_ client: PostgresClient) async throws {
        try await client.query("DROP TABLE IF EXISTS novyse_bench_floor")
    }
}
