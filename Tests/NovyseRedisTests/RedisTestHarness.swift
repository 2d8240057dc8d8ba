import Logging
import TestSupport
import Testing

@testable import NovyseRedis

/// Starts a private redis-server and a client for one test, and always tears both down, so tests
/// can run in parallel without sharing any state.
func withRedis<Result>(
    poolSize: Int = 4,
    connectTimeout: Duration = .seconds(1),
    commandTimeout: Duration = .seconds(2),
    appendOnly: Bool = false,
    checksIdleConnections: Bool = true,
    _ body: (LocalRedis, RedisClient) async throws -> Result
) async throws -> Result {
    let server = try await LocalRedis.start(appendOnly: appendOnly)
    let configuration = RedisConfiguration(
        port: server.port,
        poolSize: poolSize,
        connectTimeout: connectTimeout,
        commandTimeout: commandTimeout
    )
    var logger = Logger(label: "novyse.redis.tests")
    logger.logLevel = .error
    let client = RedisClient(configuration: configuration, logger: logger, checksIdleConnections: checksIdleConnections)
    do {
        let result = try await body(server, client)
        await client.shutdown()
        await server.stop()
        return result
    } catch {
        await client.shutdown()
        await server.stop()
        throw error
    }
}

/// Reads one numeric field of `INFO`, e.g. `blocked_clients` or `connected_clients`.
func infoField(_ name: String, section: String, from redis: RedisClient) async throws -> Int? {
    guard case .string(let text) = try await redis.send(["INFO", section]) else { return nil }
    for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix(name + ":") {
        return Int(line.dropFirst(name.count + 1))
    }
    return nil
}

/// Waits (bounded) until `count` clients are blocked in Redis, so a test knows a blocking read is
/// really waiting before it acts.
func waitForBlockedClients(_ count: Int, on redis: RedisClient) async throws {
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline {
        if try await infoField("blocked_clients", section: "clients", from: redis) == count { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("Redis never reported \(count) blocked client(s)")
}
