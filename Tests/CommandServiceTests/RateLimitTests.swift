import Foundation
import NovyseCore
import NovyseService
import TestSupport
import Testing

/// Rate limits on the real `novyse-command` binary: a user past its bucket gets 429 `RATE_LIMITED` with
/// `Retry-After` and nothing is written; the bucket is shared by every replica (it lives in Redis); failed
/// authentications are charged per client address; and with Redis down, writes go through (fail open).
@Suite("Rate limits")
struct RateLimitTests {
    /// Buckets that never refill within a test (one token every 1000 s), so counts are exact on any machine.
    static func environment(writesBurst: Int = 1_000_000, unauthenticatedBurst: Int = 1_000_000, extra: [String: String] = [:]) -> [String: String] {
        [
            "NOVYSE_RATE_LIMIT_WRITES_PER_SECOND": "0.001", "NOVYSE_RATE_LIMIT_WRITES_BURST": "\(writesBurst)",
            "NOVYSE_RATE_LIMIT_UNAUTHENTICATED_PER_SECOND": "0.001", "NOVYSE_RATE_LIMIT_UNAUTHENTICATED_BURST": "\(unauthenticatedBurst)",
        ].merging(extra) { $1 }
    }

    static func theme(_ h: CommandHarness, _ user: TestUser, _ theme: String = "dark") async throws -> HTTPProbe.Response {
        try #require(
            await HTTPProbe.request(
                port: h.service.port, method: "PUT", path: "/user/theme",
                headers: ["Authorization": "Bearer \(user.token)", "Content-Type": "application/json"], body: #"{"theme":"\#(theme)"}"#,
                timeout: TestDeadline.generous
            ))
    }

    static func expectLimited(_ response: HTTPProbe.Response, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == 429, "\(response.body)", sourceLocation: sourceLocation)
        #expect(response.body.contains(#""code":"RATE_LIMITED""#), "\(response.body)", sourceLocation: sourceLocation)
        let retryAfter = response.headers["retry-after"].flatMap(Int.init)
        #expect(retryAfter.map { $0 >= 1 } == true, "Retry-After: \(response.headers)", sourceLocation: sourceLocation)
    }

    @Test("a user past its burst gets 429 with Retry-After, writes nothing, and leaves other users alone")
    func perUser() async throws {
        try await withCleanup(try await CommandHarness.start(environment: Self.environment(writesBurst: 3)), { await $0.stop() }) { h in
            let alice = try await h.user()
            let bob = try await h.user()
            for index in 0..<3 { #expect(try await Self.theme(h, alice, "t\(index)").status == 200) }
            let before = try await h.writeFingerprint()
            Self.expectLimited(try await Self.theme(h, alice, "over"))
            #expect(try await h.writeFingerprint() == before, "a limited request wrote something")
            #expect(try await Self.theme(h, bob).status == 200, "another user's bucket is its own")
        }
    }

    @Test("two replicas share one bucket per user")
    func acrossReplicas() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withCleanup(try await LocalRedis.start(), { await $0.stop() }) { redis in
            let environment = Self.environment(writesBurst: 4)
            try await withCleanup(
                try await CommandHarness.start(database: database, redis: redis, environment: environment),
                {
                    await $0.stopService()
                }
            ) { a in
                try await withCleanup(
                    try await CommandHarness.start(database: database, redis: redis, environment: environment),
                    {
                        await $0.stopService()
                    }
                ) { b in
                    let user = try await a.user()
                    for replica in [a, b, a, b] { #expect(try await Self.theme(replica, user).status == 200) }
                    Self.expectLimited(try await Self.theme(a, user))
                    Self.expectLimited(try await Self.theme(b, user))
                }
            }
        }
    }

    @Test("failed authentications are charged per client address; valid callers from it are not refused")
    func unauthenticatedPerAddress() async throws {
        let environment = Self.environment(unauthenticatedBurst: 2, extra: ["NOVYSE_CLIENT_ADDRESS_HEADER": "X-Forwarded-For"])
        try await withCleanup(try await CommandHarness.start(environment: environment), { await $0.stop() }) { h in
            let user = try await h.user()
            let bad = { (address: String) in
                try #require(
                    await HTTPProbe.request(
                        port: h.service.port, method: "PUT", path: "/user/theme",
                        headers: [
                            "Authorization": "Bearer not-a-token", "Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9, \(address)",
                        ],
                        body: #"{"theme":"dark"}"#, timeout: TestDeadline.generous
                    ))
            }
            #expect(try await bad("198.51.100.1").status == 401)
            #expect(try await bad("198.51.100.1").status == 401)
            Self.expectLimited(try await bad("198.51.100.1"))
            // A wrong admin token draws on the same address's bucket.
            let admin = try await h.call(
                "POST", "/admin/users", json: #"{"handle":"nobody","name":"N"}"#,
                headers: [
                    "X-Admin-Token": "wrong", "X-Forwarded-For": "198.51.100.1",
                ])
            #expect(admin.status == 429 && admin.errorCode == "RATE_LIMITED", "\(admin.body)")
            // An expired token is someone's real one: its 401 tells the device to refresh, even from this address.
            let expired = try await TokenAuthority(configuration: JWTConfiguration(hmacSecret: TestTokens.secret))
                .issue(userID: user.id, deviceID: "phone", lifetime: .seconds(-60))
            let stale = try #require(
                await HTTPProbe.request(
                    port: h.service.port, method: "PUT", path: "/user/theme",
                    headers: ["Authorization": "Bearer \(expired)", "Content-Type": "application/json", "X-Forwarded-For": "198.51.100.1"],
                    body: #"{"theme":"dark"}"#, timeout: TestDeadline.generous
                ))
            #expect(stale.status == 401 && stale.body.contains("AUTH_TOKEN_EXPIRED"), "\(stale.body)")
            // The proxy's last entry is the address: another client behind the same proxy is not refused.
            #expect(try await bad("198.51.100.2").status == 401)
            #expect(try await Self.theme(h, user).status == 200, "a caller with a valid token is charged to its user only")
        }
    }

    @Test("with Redis down the limiter fails open: writes beyond the burst still commit")
    func failsOpen() async throws {
        try await withCleanup(try await CommandHarness.start(environment: Self.environment(writesBurst: 1)), { await $0.stop() }) { h in
            let user = try await h.user()
            #expect(try await Self.theme(h, user).status == 200)
            Self.expectLimited(try await Self.theme(h, user))
            await h.redis.stop()
            for index in 0..<3 {
                let answer = try await Self.theme(h, user, "offline\(index)")
                #expect(answer.status == 200, "write \(index) during the outage: \(answer.body)")
            }
            let metrics = try #require(await h.service.get("/metrics")).body
            #expect(metrics.contains(#"novyse_rate_limit_decisions_total{decision="failed_open"}"#), "\(metrics.prefix(2000))")
        }
    }
}
