import Logging
import NovyseRedis
import TestSupport
import Testing

@Suite("Recovery from Redis restarts and outages")
struct RedisRecoveryTests {
    @Test("the same client works again after a restart")
    func restart() async throws {
        try await withRedis(poolSize: 2) { server, redis in
            // Leave two idle connections in the pool; both go stale with the restart.
            async let one: Void = redis.ping()
            async let two: Void = redis.ping()
            _ = try await (one, two)

            try await server.restart()

            var failures: [RedisError] = []
            var recovered = false
            for _ in 0..<20 {
                do {
                    try await redis.set("after", "restart")
                    recovered = true
                    break
                } catch let error as RedisError {
                    failures.append(error)
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(recovered, "still failing after restart: \(failures)")
            #expect(try await redis.get("after") == "restart")
        }
    }

    @Test("a stale reused connection is retried once, so the first call after a restart succeeds")
    func retryOnce() async throws {
        // Without the idle-connection check, the stale connection is really written to and fails.
        try await withRedis(poolSize: 1, checksIdleConnections: false) { server, redis in
            try await redis.set("k", "v")
            try await server.restart()
            try await redis.ping()
            #expect(try await redis.get("k") == nil)
        }
    }

    @Test("while Redis is down calls fail fast with REDIS_UNAVAILABLE, and recover when it is back")
    func outage() async throws {
        // Timeouts far above the test's patience: a call that waited either out could not pass, however
        // loaded the machine, so "fails fast" is told apart from "fails at the timeout".
        let timeout = TestDeadline.generous
        try await withRedis(connectTimeout: timeout, commandTimeout: timeout) { server, redis in
            try await redis.ping()
            await server.stop()
            let clock = ContinuousClock()
            for _ in 0..<3 {
                let start = clock.now
                let error = await #expect(throws: RedisError.self) { _ = try await redis.get("k") }
                #expect(error?.code == "REDIS_UNAVAILABLE")
                // Ten seconds is a refused connect's lifetime many times over, even on a loaded machine.
                #expect(clock.now - start < .seconds(10), "a refused connection fails at once, before any timeout")
            }
            try await server.restart()
            try await redis.ping()
        }
    }

    @Test("data written with append-only survives a crash (SIGKILL)")
    func crash() async throws {
        try await withRedis(appendOnly: true) { server, redis in
            try await redis.set("durable", "yes")
            _ = try await redis.xadd("log", fields: [("event", "1")])
            server.kill()
            try await TestDeadline.waitUntil("redis-server to die") { await !Network.isListening(port: server.port) }
            let error = await #expect(throws: RedisError.self) { try await redis.ping() }
            #expect(error?.code == "REDIS_UNAVAILABLE")

            try await server.restart()
            #expect(try await redis.get("durable") == "yes")
            #expect(try await redis.xlen("log") == 1)
        }
    }
}

@Suite("Connection setup and lifecycle")
struct RedisLifecycleTests {
    @Test("password and database from the URL are applied to every new connection")
    func authAndSelect() async throws {
        try await withRedis(poolSize: 1) { server, admin in
            _ = try await admin.send(["CONFIG", "SET", "requirepass", "s3cret"])
            let logger = Logger(label: "novyse.redis.tests")

            let database1 = RedisClient(
                configuration: try RedisConfiguration(url: "redis://:s3cret@127.0.0.1:\(server.port)/1", poolSize: 1), logger: logger)
            try await database1.set("where", "db1")
            #expect(try await database1.get("where") == "db1")
            // The admin connection was opened before the password was set and stays on database 0.
            #expect(try await admin.get("where") == nil)
            await database1.shutdown()

            let anonymous = RedisClient(configuration: RedisConfiguration(port: server.port, poolSize: 1), logger: logger)
            let noAuth = await #expect(throws: RedisError.self) { try await anonymous.ping() }
            #expect(noAuth?.code == "REDIS_SERVER_ERROR")
            await anonymous.shutdown()

            let wrong = RedisClient(configuration: RedisConfiguration(port: server.port, password: "nope", poolSize: 1), logger: logger)
            let wrongPassword = await #expect(throws: RedisError.self) { try await wrong.ping() }
            guard case .server(let kind, _)? = wrongPassword else {
                Issue.record("expected a server error, got \(String(describing: wrongPassword))")
                return
            }
            #expect(kind == "WRONGPASS")
            await wrong.shutdown()
        }
    }

    @Test("run() shuts the client down when its task is cancelled")
    func runAsService() async throws {
        try await withRedis { _, redis in
            try await redis.ping()
            let service = Task { try await redis.run() }
            service.cancel()
            try await service.value
            let error = await #expect(throws: RedisError.self) { try await redis.ping() }
            #expect(error == .shutDown)
        }
    }
}
