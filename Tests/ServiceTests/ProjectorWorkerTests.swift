import Foundation
import Logging
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The `novyse-projector` binary with the `novyse-command` binary in front of it, against a real Postgres and
/// Redis: the basic paths. Faults (SIGKILL loops, FLUSHALL, duplicates, two processes) are in ProjectorTests.
@Suite("Projector worker")
struct ProjectorWorkerTests {
    static let logger = Logger(label: "test.projector-worker")

    /// Short intervals, so that the tests do not wait for production defaults.
    static func projectorEnvironment(sweepMilliseconds: Int) -> [String: String] {
        [
            "NOVYSE_PROJECTOR_BLOCK_MS": "200",
            "NOVYSE_PROJECTOR_CLAIM_INTERVAL_MS": "300",
            "NOVYSE_PROJECTOR_CLAIM_IDLE_MS": "500",
            "NOVYSE_PROJECTOR_SWEEP_MS": "\(sweepMilliseconds)",
            "NOVYSE_PROJECTOR_BATCH": "50",
        ]
    }

    @Test("mutations through the command API reach the snapshot through Redis; it equals a replay; SIGTERM exits 0")
    func liveConsumption() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withCleanup(try await LocalRedis.start(), { redis in await redis.stop() }) { redis in
            try await withCleanup(
                try await RunningService.start(
                    "novyse-command", portKey: "NOVYSE_COMMAND_PORT", databaseURL: database.url, redisURL: redis.url
                ), { command in await command.process.stop() }
            ) { command in
                // The sweep is slowed to a crawl (it runs only once, at start), so what arrives comes through Redis.
                try await withCleanup(
                    try await RunningService.start(
                        "novyse-projector", portKey: "NOVYSE_PROJECTOR_PORT", databaseURL: database.url, redisURL: redis.url,
                        environment: Self.projectorEnvironment(sweepMilliseconds: 600_000)
                    ), { projector in await projector.process.stop() }
                ) { projector in
                    // Ready is not yet consuming: the groups are created from `$` after the start-up sweep, and
                    // what is committed before that reaches the snapshot only by healing. So the writes wait for
                    // the groups, and "nothing healed" below is a claim about Redis delivery, not about timing.
                    try await TestDeadline.waitUntil("projector ready, its consumer groups created") {
                        guard await projector.get("/health/ready")?.status == 200 else { return false }
                        let body = await projector.get("/metrics")?.body ?? ""
                        return Self.metric(body, "novyse_projector_groups_ready") == 1
                    }

                    let api = CommandAPI(port: command.port)
                    try await api.writeSome()

                    try await Self.waitUntilCaughtUp(database.url)
                    try await withPostgresClient(url: database.url) { client in
                        let replay = try await ProjectorStore(client: client, logger: Self.logger).replay(swap: false)
                        #expect(replay.matches, "live \(replay.liveChecksum) rebuilt \(replay.rebuiltChecksum)")
                        #expect(replay.items > 0)
                    }
                    let metrics = try #require(await projector.get("/metrics")).body
                    #expect(Self.metric(metrics, #"novyse_projector_items_total{outcome="applied"}"#) ?? 0 > 0, "\(metrics)")
                    #expect(Self.metric(metrics, #"novyse_projector_items_total{outcome="healed"}"#) == 0, "only Redis delivered")
                    #expect(Self.metric(metrics, "novyse_projector_batches_total") ?? 0 > 0)

                    // Nothing stays pending once the batches are acknowledged.
                    try await TestDeadline.waitUntil("no pending entries") {
                        let body = await projector.get("/metrics")?.body ?? ""
                        return Self.metric(body, "novyse_projector_pending") == 0
                    }

                    // Status 0 is an exit by itself: `waitForExit` never kills, and a hang would leave nil. Its
                    // slow timers are the 600 s sweep and a 200 ms block: well under a minute means it waited
                    // for neither the sweep nor anything but the batch in hand.
                    let started = ContinuousClock.now
                    projector.process.signal(SIGTERM)
                    let status = await projector.process.waitForExit(timeout: TestDeadline.generous)
                    #expect(status == 0, "\(projector.process.capturedOutput.suffix(2000))")
                    #expect(ContinuousClock.now - started < .seconds(60))
                    #expect(projector.process.capturedOutput.contains("projector stopped"))
                }
            }
        }
    }

    @Test("a projector started after the events were published catches up from Postgres through the sweep")
    func lateStartCatchesUpBySweep() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withCleanup(try await LocalRedis.start(), { redis in await redis.stop() }) { redis in
            try await withCleanup(
                try await RunningService.start(
                    "novyse-command", portKey: "NOVYSE_COMMAND_PORT", databaseURL: database.url, redisURL: redis.url
                ), { command in await command.process.stop() }
            ) { command in
                try await CommandAPI(port: command.port).writeSome()
                // Published before the consumer group exists: the group starts at `$` and never sees these entries.
                let behind = try await withPostgresClient(url: database.url) { client in
                    try await ProjectorStore(client: client, logger: Self.logger).lag().streamsBehind
                }
                #expect(behind > 0)

                try await withCleanup(
                    try await RunningService.start(
                        "novyse-projector", portKey: "NOVYSE_PROJECTOR_PORT", databaseURL: database.url, redisURL: redis.url,
                        environment: Self.projectorEnvironment(sweepMilliseconds: 300)
                    ), { projector in await projector.process.stop() }
                ) { projector in
                    try await Self.waitUntilCaughtUp(database.url)

                    // And what is written while it runs arrives too.
                    try await CommandAPI(port: command.port).writeSome()
                    try await Self.waitUntilCaughtUp(database.url)
                    try await withPostgresClient(url: database.url) { client in
                        let replay = try await ProjectorStore(client: client, logger: Self.logger).replay(swap: false)
                        #expect(replay.matches, "live \(replay.liveChecksum) rebuilt \(replay.rebuiltChecksum)")
                    }
                    let metrics = try #require(await projector.get("/metrics")).body
                    #expect(Self.metric(metrics, #"novyse_projector_items_total{outcome="healed"}"#) ?? 0 > 0, "\(metrics)")
                    projector.process.signal(SIGTERM)
                    #expect(await projector.process.waitForExit(timeout: TestDeadline.generous) == 0)
                }
            }
        }
    }

    // MARK: - Helpers

    static func waitUntilCaughtUp(_ url: String) async throws {
        try await TestDeadline.waitUntil("snapshot caught up") {
            let behind = try? await withPostgresClient(url: url) { client in
                try await ProjectorStore(client: client, logger: logger).lag().streamsBehind
            }
            return behind == 0
        }
    }

    /// The value of one sample line of the Prometheus text.
    static func metric(_ body: String, _ name: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}

/// Just enough of the command API for these tests.
struct CommandAPI: Sendable {
    let port: Int

    struct Failure: Error, CustomStringConvertible { let description: String }

    @discardableResult
    func call(_ method: String, _ path: String, token: String? = nil, admin: Bool = false, _ body: [String: Any]) async throws -> [String: Any] {
        var headers = ["Content-Type": "application/json"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        if admin { headers["X-Admin-Token"] = TestTokens.adminToken }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        guard
            let response = await HTTPProbe.request(
                port: port, method: method, path: path, headers: headers, body: json, timeout: TestDeadline.generous
            )
        else { throw Failure(description: "no answer to \(method) \(path)") }
        guard response.status == 200,
            let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
            let data = object["data"] as? [String: Any]
        else { throw Failure(description: "\(method) \(path): \(response.status) \(response.body)") }
        return data
    }

    /// A user and a token for it.
    func user() async throws -> (id: String, token: String) {
        let handle = "u\(UInt32.random(in: 0...UInt32.max))"
        let created = try await call("POST", "/admin/users", admin: true, ["handle": handle, "name": handle])
        let id = try #require(created["uuid"] as? String)
        let issued = try await call("POST", "/admin/tokens", admin: true, ["userUUID": id, "deviceID": "phone"])
        return (id, try #require(issued["token"] as? String))
    }

    /// Two users, a group, messages, an edit, reactions, a pin, a profile change, a theme: every stream kind.
    func writeSome() async throws {
        let alice = try await user()
        let bob = try await user()
        let chat = try #require(
            try await call("POST", "/chat/create", token: alice.token, ["type": "GROUP", "memberUUIDs": [bob.id], "name": "g"])["chatUUID"]
                as? String
        )
        var messages: [Int] = []
        for (index, sender) in [alice, bob, alice].enumerated() {
            let sent = try await call(
                "POST", "/message", token: sender.token,
                ["chatUUID": chat, "content": "hello \(index)", "clientMessageID": UUID().uuidString]
            )
            messages.append(try #require(sent["messageID"] as? Int))
        }
        try await call("PATCH", "/message", token: alice.token, ["chatUUID": chat, "messageID": messages[0], "content": "edited"])
        try await call("PUT", "/message/reaction", token: bob.token, ["chatUUID": chat, "messageID": messages[0], "reaction": "👍"])
        try await call("PUT", "/message/pin", token: alice.token, ["chatUUID": chat, "messageID": messages[2]])
        try await call("PATCH", "/user/profile", token: bob.token, ["name": "Bob Renamed"])
        try await call("PUT", "/user/theme", token: alice.token, ["theme": "dark"])
    }
}
