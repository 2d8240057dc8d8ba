import Foundation
import NovyseService
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Every service binary, started as a deployment starts it, against a real Postgres and Redis.
@Suite("Service start-up, health and shutdown")
struct ServiceReadinessTests {
    @Test(
        "ready with its dependencies; while Redis is down degraded (command, query) or 503 (fan-out, projector); ready again when it returns; SIGTERM drains",
        arguments: ServiceKind.allCases)
    func readinessFollowsDependencies(kind: ServiceKind) async throws {
        let database = try await TestPostgres.shared.makeDatabase(migrated: false)
        try await withCleanup(try await LocalRedis.start(), { redis in await redis.stop() }) { redis in
            try await withCleanup(
                try await RunningService.start(
                    kind.executableName, portKey: kind.portKey, databaseURL: database.url, redisURL: redis.url
                ), { service in await service.process.stop() }
            ) { service in
                // Start-up migrated the empty database and both dependencies answer.
                let ready = try #require(await service.get("/health/ready"))
                #expect(ready.status == 200, "\(ready.body)")
                #expect(ready.body.contains(#""postgres":true"#) && ready.body.contains(#""redis":true"#))
                #expect(await service.get("/health/live")?.status == 200)

                let metrics = try #require(await service.get("/metrics"))
                #expect(metrics.status == 200)
                #expect(metrics.body.contains("novyse_dependency_up"))

                await redis.stop()
                let down = try #require(await service.get("/health/ready"))
                #expect(down.body.contains(#""redis":false"#) && down.body.contains(#""postgres":true"#))
                // Stated here, not asked of the product: the command service's outbox holds writes and the
                // query service reads Postgres only, so a Redis outage must not take them out of rotation.
                let needsRedis = kind == .fanout || kind == .projector
                if needsRedis {
                    #expect(down.status == 503, "\(down.body)")
                    #expect(down.body.contains(#""status":"unavailable""#) && down.body.contains(#""redisRequired":true"#))
                } else {
                    #expect(down.status == 200, "\(down.body)")
                    #expect(down.body.contains(#""status":"degraded""#) && down.body.contains(#""redisRequired":false"#))
                }
                let downMetrics = try #require(await service.get("/metrics")).body
                #expect(downMetrics.contains(#"novyse_dependency_up{dependency="redis"} 0"#), "Redis reported down in the metrics")
                #expect(downMetrics.contains("novyse_ready \(needsRedis ? 0 : 1)"), "readiness in the metrics")
                #expect(await service.get("/health/live")?.status == 200, "liveness must not follow dependencies")

                try await redis.restart()
                try await TestDeadline.waitUntil("\(kind) ready again") {
                    await service.get("/health/ready")?.body.contains(#""status":"ready""#) == true
                }

                service.process.signal(SIGTERM)
                let status = await service.process.waitForExit(timeout: TestDeadline.generous)
                #expect(status == 0, "\(service.process.capturedOutput.suffix(2000))")
            }
        }
    }

    @Test("an unknown route answers 404 in the error envelope, never an HTML page or a 500")
    func unknownRoute() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withCleanup(try await LocalRedis.start(), { redis in await redis.stop() }) { redis in
            try await withCleanup(
                try await RunningService.start(
                    "novyse-command", portKey: "NOVYSE_COMMAND_PORT", databaseURL: database.url, redisURL: redis.url
                ), { service in await service.process.stop() }
            ) { service in
                let response = try #require(await service.get("/no/such/thing"))
                #expect(response.status == 404)
                let envelope = try JSONDecoder().decode(ErrorEnvelopeProbe.self, from: Data(response.body.utf8))
                #expect(envelope.success == false)
                #expect(envelope.error.code == "NOT_FOUND")
            }
        }
    }

    @Test("a bad configuration value stops start-up with status 78 and names the key")
    func badConfiguration() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["NOVYSE_JWT_SECRET"] = TestTokens.secret
        environment["NOVYSE_QUERY_PORT"] = "not-a-port"
        let process = ManagedProcess(
            name: "query", executable: BuiltProducts.path("novyse-query"), environment: environment, output: .captured
        )
        try process.start()
        let status = await process.waitForExit(timeout: TestDeadline.generous)
        #expect(status == 78)
        #expect(process.capturedOutput.contains("NOVYSE_QUERY_PORT"))
    }
}

extension ServiceReadinessTests {
    @Test(
        "every service refuses to start in production with the published development secret: 78, naming the key",
        arguments: ServiceKind.allCases)
    func publicSecretRefused(kind: ServiceKind) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["NOVYSE_ENV"] = "production"
        environment["NOVYSE_JWT_SECRET"] = JWTConfiguration.developmentSecret
        let process = ManagedProcess(
            name: kind.executableName, executable: BuiltProducts.path(kind.executableName), environment: environment, output: .captured
        )
        try process.start()
        let status = await process.waitForExit(timeout: TestDeadline.generous)
        #expect(status == 78, "\(process.capturedOutput.suffix(2000))")
        let lines = process.capturedOutput.split(separator: "\n").filter { $0.contains("NOVYSE_JWT_SECRET") }
        #expect(lines.count == 1, "one clear line naming the variable: \(process.capturedOutput.suffix(2000))")
    }
}

struct ErrorEnvelopeProbe: Decodable {
    struct Body: Decodable {
        let code: String
        let message: String
    }
    let success: Bool
    let error: Body
}

@Suite("Metrics count what clients get")
struct RequestMetricsTests {
    @Test("a refused request is counted with its 4xx status, never as a 500")
    func statusInMetrics() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withCleanup(try await LocalRedis.start(), { redis in await redis.stop() }) { redis in
            try await withCleanup(
                try await RunningService.start(
                    "novyse-command", portKey: "NOVYSE_COMMAND_PORT", databaseURL: database.url, redisURL: redis.url
                ), { service in await service.process.stop() }
            ) { service in
                let refused = await HTTPProbe.request(
                    port: service.port, method: "POST", path: "/message", headers: ["Content-Type": "application/json"], body: "{}",
                    timeout: TestDeadline.generous
                )
                #expect(refused?.status == 401)
                let metrics = try #require(await service.get("/metrics")).body
                let line = metrics.split(separator: "\n").first { $0.hasPrefix("hb_requests{") && $0.contains(#"http_route="/message""#) }
                #expect(line?.contains(#"http_response_status_code="401""#) == true, "\(line.map(String.init) ?? "no line")")
            }
        }
    }
}
