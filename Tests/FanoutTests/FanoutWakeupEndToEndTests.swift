import Foundation
import Logging
import NovyseCore
import NovyseRedis
import NovyseSocketIO
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

/// Wake-ups end to end: the real command service and `novyse-fanout` binaries, configured through the
/// environment exactly as in production (`NOVYSE_FCM_SERVICE_ACCOUNT_FILE`, `NOVYSE_FCM_BASE_URL`,
/// `NOVYSE_FCM_TOKEN_URI`), sending to the fake OAuth + FCM server of this suite. Devices register their
/// push token through `PATCH /notification/push-token`, as the app does.
@Suite("FanoutWakeupEndToEnd", .timeLimit(.minutes(10)))
struct FanoutWakeupEndToEndTests {
    /// Longer than any run of the test, so the documented trailing wake-up (at the end of the window)
    /// cannot fall inside it and "exactly one request" is an exact assertion.
    static let window = "600000"

    @Test func aBurstWakesEachOfflineDeviceOnceAndNeverAConnectedOne() async throws {
        try await FCMFakeServer.with { fake in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("novyse-fcm-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            // The key file names Google's endpoint: the fake is reached only through NOVYSE_FCM_TOKEN_URI.
            let keyFile = directory.appendingPathComponent("service-account.json")
            try FCMTestAccount.shared.json(tokenURI: "https://oauth2.googleapis.com/token").write(to: keyFile)
            let fixture = try await FanoutFixture.start(environment: [
                "NOVYSE_FCM_SERVICE_ACCOUNT_FILE": keyFile.path,
                "NOVYSE_FCM_BASE_URL": fake.baseURL,
                "NOVYSE_FCM_TOKEN_URI": fake.tokenURI,
                "NOVYSE_WAKEUP_WINDOW_MS": Self.window,
                "NOVYSE_WAKEUP_BLOCK_MS": "200",
                "NOVYSE_WAKEUP_BACKOFF_MS": "50",
                "NOVYSE_FANOUT_BLOCK_MS": "200",
            ])
            let redis = RedisClient(
                configuration: try RedisConfiguration(url: fixture.harness.redis.url, poolSize: 2), logger: Logger(label: "test.redis")
            )
            do {
                try await run(fixture, fake: fake, redis: redis)
            } catch {
                await redis.shutdown()
                await fixture.stop()
                throw error
            }
            await redis.shutdown()
            await fixture.stop()
        }
    }

    private func run(_ fixture: FanoutFixture, fake: FCMFakeServer, redis: RedisClient) async throws {
        let harness = fixture.harness
        let alice = try await harness.user()  // sends; connected, no push token
        let bob = try await harness.user()  // offline, token
        let carol = try await harness.user()  // connected, token
        let dave = try await harness.user()  // offline, token FCM reports UNREGISTERED
        fake.state.withLock { $0.scripts["token-dave"] = [.unregistered] }
        for (user, token) in [(bob, "token-bob"), (carol, "token-carol"), (dave, "token-dave")] {
            let answer = try await harness.call("PATCH", "/notification/push-token", as: user, json: #"{"pushToken":"\#(token)"}"#)
            #expect(answer.status == 200, "\(answer.body)")
        }
        let alicePhone = try await fixture.connect(alice, device: "phone")
        let carolPhone = try await fixture.connect(carol, device: "phone")
        // Presence is written just after the CONNECT is answered; wait for it rather than racing it.
        let carolPresence = "novyse:presence:\(carol.id.uuidString.lowercased()):phone"
        try await FCMWait.until("carol's presence entry") { try await redis.get(carolPresence) != nil }

        let collector = EventCollector()
        let chat = try await harness.chat(.group, by: alice, with: [bob, carol, dave], name: "wake")
        var lastMessage: Int64 = 0
        for index in 0..<8 {
            let sent = try await harness.send("burst \(index)", in: chat, as: alice)
            #expect(sent.status == 200)
            lastMessage = sent.int("messageID") ?? 0
        }
        // Markers, one per stream the burst used: each stream's entries are routed in order, one after the
        // other, so once a marker reached alice every earlier item of its stream was routed completely,
        // wake-ups included. The markers themselves find the windows open and only coalesce.
        #expect(try await harness.send("marker", in: chat, as: alice).status == 200)
        let reaction = try await harness.call(
            "PUT", "/message/reaction", as: alice,
            json: #"{"chatUUID":"\#(chat.uuidString)","messageID":\#(lastMessage),"reaction":"👍"}"#
        )
        #expect(reaction.status == 200, "\(reaction.body)")
        for client in [alicePhone, carolPhone] {
            _ = try await collector.wait(client, for: "both markers") { events in
                events.contains { $0.name == "message:new" && $0.data["content"]?.stringValue == "marker" }
                    && events.contains { $0.name == "chat:event" }
            }
        }

        let describe: @Sendable () async -> String = {
            let state = fake.state.current
            let length = (try? await redis.xlen("novyse:wakeups")) ?? -1
            return "stream=\(length) sends=\(state.sends.map { $0.token ?? "-" }) tokens=\(state.tokenRequests.map { $0.refusal ?? "ok" })"
        }
        try await FCMWait.until("both wake-ups answered and acknowledged", state: describe) {
            let sends = fake.state.current.sends
            guard sends.contains(where: { $0.token == "token-bob" }), sends.contains(where: { $0.token == "token-dave" }) else { return false }
            return try await WakeupFixture.drained(redis: redis)
        }

        // One entry per offline device entered the stream; the connected device and the sender none.
        let entries = try await redis.xrange("novyse:wakeups")
        let woken = entries.compactMap { $0.fields["user"] }.sorted()
        #expect(woken == [bob.id, dave.id].map { $0.uuidString.lowercased() }.sorted(), "\(entries)")
        let state = fake.state.current
        #expect(state.sends(to: "token-bob").count == 1, "\(state.sends.map(\.token))")
        #expect(state.sends(to: "token-dave").count == 1)
        #expect(state.sends(to: "token-carol").isEmpty, "carol is connected")
        #expect(state.sends.count == 2)
        #expect(state.tokenRequests.count == 1 && state.validTokenRequests == 1, "\(state.tokenRequests.map(\.refusal))")
        // The burst after the first wake-up is marked for the window's single trailing wake-up, no more.
        let trailing = try await redis.send(["ZSCORE", "novyse:wakeups:trailing", "\(bob.id.uuidString.lowercased()):phone"])
        #expect(trailing != .null, "bob's burst awaits the trailing wake-up at the end of the window")

        let send = try #require(state.sends(to: "token-bob").first)
        #expect(send.bearerValid, "\(send.authorization ?? "no Authorization")")
        #expect(send.path == "/v1/projects/\(FCMTestAccount.shared.projectID)/messages:send")
        let message = try #require(send.json?["message"] as? [String: Any])
        #expect(message["data"] as? [String: String] == ["type": "sync"])
        #expect(message["notification"] == nil)
        #expect((message["android"] as? [String: String]) == ["priority": "high", "collapse_key": "sync"])
        let apns = try #require(message["apns"] as? [String: Any])
        #expect((apns["headers"] as? [String: String])?["apns-push-type"] == "background")
        #expect(Set(message.keys) == ["token", "data", "android", "apns"], "no user content: \(message.keys)")

        // UNREGISTERED removed dave's token; the others keep theirs.
        let tokens = try await harness.withDatabase { client in
            let store = PushTokenStore(client: client, logger: Logger(label: "test.tokens"))
            return [
                try await store.token(userUUID: bob.id, deviceID: "phone"),
                try await store.token(userUUID: carol.id, deviceID: "phone"),
                try await store.token(userUUID: dave.id, deviceID: "phone"),
            ]
        }
        #expect(tokens == ["token-bob", "token-carol", nil])
    }
}
