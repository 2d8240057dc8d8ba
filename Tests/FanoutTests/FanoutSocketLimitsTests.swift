import Foundation
import NovyseCore
import NovyseService
import NovyseSocketIO
import TestSupport
import Testing

/// What an authenticated socket may hold, against the real binary: live sockets per user, the bytes waiting
/// in its queue, and no more time than its token's.
@Suite("Fan-out: socket limits", .timeLimit(.minutes(10)))
struct FanoutSocketLimitsTests {
    @Test func aUserPastTheSocketCapIsRefusedWithTooManySockets() async throws {
        try await FanoutFixture.with(environment: ["NOVYSE_FANOUT_MAX_SOCKETS_PER_USER": "2"]) { fixture, fanout in
            let alice = try await fixture.harness.user()
            let bob = try await fixture.harness.user()
            // Held to the end: a client that is let go closes its socket.
            let phone = try await fixture.connect(alice, device: "phone")
            let laptop = try await fixture.connect(alice, device: "laptop")
            let (refused, answer) = try await FanoutSocketClient.attempt(
                port: fanout.port, token: try await fixture.token(alice, device: "tablet"), label: "alice/tablet"
            )
            #expect(answer.hasPrefix("44"), "\(answer)")
            let error = try #require(JSONValue.parse(String(answer.dropFirst(2))))
            #expect(error["data"] == ["code": "TOO_MANY_SOCKETS"])
            #expect(error["message"]?.stringValue?.contains("(2)") == true, "\(error.jsonText)")
            refused.close()
            let bobPhone = try await fixture.connect(bob, device: "phone")  // another user is not affected

            // A socket that goes away gives its slot back.
            laptop.close()
            let tablet = try await fixture.token(alice, device: "tablet")
            try await TestDeadline.waitUntil("alice's third device to be let in") {
                let (client, answer) = try await FanoutSocketClient.attempt(port: fanout.port, token: tablet, label: "alice/tablet")
                client.close()
                return answer.hasPrefix("40")
            }
            #expect(await fanout.metric(#"novyse_fanout_refused_total{reason="TOO_MANY_SOCKETS"}"#) ?? 0 >= 1)
            #expect(!phone.isClosed && !bobPhone.isClosed)
        }
    }

    @Test func aConsumerThatStopsReadingIsDisconnectedPastTheByteBound() async throws {
        try await FanoutFixture.with(environment: [
            "NOVYSE_FANOUT_QUEUE_BYTES": "16384",
            // No heartbeat during the test: only the queue's bound can end the silent session.
            "NOVYSE_FANOUT_PING_INTERVAL_MS": "600000", "NOVYSE_FANOUT_PING_TIMEOUT_MS": "600000",
        ]) { fixture, fanout in
            let h = fixture.harness
            let alice = try await h.user()
            let bob = try await h.user()
            let reader = try await fixture.connect(alice, device: "phone")
            // Bob connects over long-polling and then never polls again: everything for him stays queued.
            let polling = FanoutPollingClient(port: fanout.port)
            let silent = try await polling.connect(token: bob.token)
            let chat = try await h.chat(.group, by: alice, with: [bob], name: "big")
            let text = String(repeating: "x", count: 4000)
            for _ in 0..<12 { #expect(try await h.send(text, in: chat, as: alice).status == 200) }
            let collector = EventCollector()
            _ = try await collector.wait(reader, for: "all twelve messages") { $0.named("message:new").count == 12 }
            // Twelve 4 kB pushes pass a 16 kB bound long before the 1024-packet one.
            try await fanout.waitForMetric(#"novyse_fanout_disconnects_total{reason="queue overflow"}"#) { $0 == 1 }
            let gone = try await polling.request("GET", sid: silent)
            #expect(gone.status == 400 && JSONValue.parse(gone.body)?["code"] == 1, "\(gone.body)")
            #expect(!reader.isClosed, "the reader keeps its socket")
        }
    }

    @Test func aSocketIsDisconnectedWithAuthTokenExpiredWhenItsTokenExpires() async throws {
        try await FanoutFixture.with { fixture, fanout in
            let user = try await fixture.harness.user()
            let lasting = try await fixture.connect(user, device: "phone")
            let authority = try await TokenAuthority(configuration: JWTConfiguration(hmacSecret: TestTokens.secret))
            // The token must still be valid when its CONNECT is decided: on a slow machine it may not be, and a
            // longer lifetime is tried.
            var lifetime = 3
            var connected: (FanoutSocketClient, expiresAt: Date)?
            while connected == nil {
                try #require(lifetime <= 96, "never connected before the token expired")
                let token = try await authority.issue(userID: user.id, deviceID: "brief", lifetime: .seconds(lifetime))
                let expiresAt = try #require(try await authority.verify(token: token).expiresAt)
                let (client, answer) = try await FanoutSocketClient.attempt(port: fanout.port, token: token, label: "brief")
                if answer.hasPrefix("40") {
                    connected = (client, expiresAt)
                } else {
                    #expect(answer.contains("AUTH_TOKEN_EXPIRED"), "\(answer)")
                    client.close()
                    lifetime *= 2
                }
            }
            let (brief, expiresAt) = try #require(connected)
            let packets = try await brief.waitUntilClosed()
            #expect(Date() >= expiresAt.addingTimeInterval(-0.5), "not before the token's exp")
            #expect(
                packets.suffix(2) == [
                    #"42["server:disconnect",{"data":{"code":"AUTH_TOKEN_EXPIRED"},"message":"the access token has expired"}]"#,
                    "41",
                ], "\(packets)")
            try await fanout.waitForMetric(#"novyse_fanout_disconnects_total{reason="credentials expired"}"#) { $0 == 1 }
            #expect(!lasting.isClosed, "a socket whose token is still valid stays")
        }
    }
}
