import Foundation
import NovyseCore
import NovyseSocketIO
import TestSupport
import Testing

/// What the fan-out admits before a client authenticates: the caps on unauthenticated sessions (in all and
/// per client address, as its proxy names it) and the deadline to authenticate, against the real binary.
@Suite("Fan-out: unauthenticated sessions", .timeLimit(.minutes(10)))
struct FanoutSessionCapsTests {
    /// `extra`, behind the proxy's `X-Forwarded-For`, with no heartbeat during the test: the sessions a test
    /// holds never answer pings, and must not leave by a ping timeout while a slow step runs (only the
    /// deadline to authenticate, where a test sets it, may end them).
    static func environment(_ extra: [String: String]) -> [String: String] {
        extra.merging([
            "NOVYSE_CLIENT_ADDRESS_HEADER": "X-Forwarded-For",
            "NOVYSE_FANOUT_PING_INTERVAL_MS": "600000", "NOVYSE_FANOUT_PING_TIMEOUT_MS": "600000",
        ]) { current, _ in current }
    }

    @Test func handshakesOverTheCapsAreRefusedAndAuthenticatingFreesASlot() async throws {
        try await FanoutFixture.with(
            environment: Self.environment([
                "NOVYSE_FANOUT_MAX_UNAUTHENTICATED": "4", "NOVYSE_FANOUT_MAX_UNAUTHENTICATED_PER_ADDRESS": "2",
                "NOVYSE_FANOUT_CONNECT_TIMEOUT_MS": "600000",  // nothing leaves by the deadline during the test
            ])
        ) { fixture, fanout in
            let first = FanoutPollingClient(port: fanout.port, address: "198.51.100.1")
            let waiting = try await first.open()
            _ = try await first.open()
            let overAddress = try await first.handshake()
            #expect(overAddress.status == 429, "\(overAddress.body)")
            #expect(JSONValue.parse(overAddress.body)?["code"] == 429)
            let second = FanoutPollingClient(port: fanout.port, address: "198.51.100.2")
            _ = try await second.open()
            _ = try await second.open()
            let overTotal = try await FanoutPollingClient(port: fanout.port, address: "198.51.100.3").handshake()
            #expect(overTotal.status == 503, "\(overTotal.body)")
            // Over WebSocket the session is refused too: the WebSocket closes with 1013 before any open packet.
            let refused = FanoutSocketClient.open(port: fanout.port, label: "over the cap")
            #expect(try await refused.waitUntilClosed() == [], "no open packet")
            #expect(refused.closeFrame?.code == 1013, "\(String(describing: refused.closeFrame))")

            // One session authenticates: its address (and the process) may open another at once.
            let user = try await fixture.harness.user()
            try await first.send(waiting, "40" + (["token": .string(user.token)] as JSONValue).jsonText)
            #expect(try await first.poll(waiting).first?.hasPrefix("40{") == true)
            _ = try await first.open()
            try await fanout.waitForMetric("novyse_fanout_unauthenticated_sessions") { $0 == 4 }
            #expect(await fanout.metric(#"novyse_fanout_handshakes_refused_total{reason="address"}"#) == 1)
            #expect(await fanout.metric(#"novyse_fanout_handshakes_refused_total{reason="sessions"}"#) == 2)
        }
    }

    @Test func theDeadlineClosesAnIdleSessionAndFreesItsSlot() async throws {
        // The second handshake must come while the first session is within its deadline: on a slow machine it
        // may not, and a longer deadline is tried.
        var milliseconds = 500
        while try await !Self.deadlineClosesAnIdleSession(milliseconds: milliseconds) {
            milliseconds *= 4
            try #require(milliseconds <= 32_000, "never handshook twice within the deadline")
        }
    }

    /// False when the second handshake came after the first session's deadline (the precondition failed).
    private static func deadlineClosesAnIdleSession(milliseconds: Int) async throws -> Bool {
        let checked = Locked(false)
        try await FanoutFixture.with(
            environment: Self.environment([
                "NOVYSE_FANOUT_MAX_UNAUTHENTICATED_PER_ADDRESS": "1", "NOVYSE_FANOUT_CONNECT_TIMEOUT_MS": "\(milliseconds)",
            ])
        ) { fixture, fanout in
            let client = FanoutPollingClient(port: fanout.port, address: "203.0.113.5")
            let started = ContinuousClock.now
            let idle = try await client.open()
            let second = try await client.handshake()
            guard second.status == 429 else {
                #expect(
                    ContinuousClock.now - started >= .milliseconds(milliseconds), "admitted within the first session's deadline: \(second.status)")
                return
            }
            try await fanout.waitForMetric(#"novyse_fanout_unauthenticated_closed_total{reason="connect timeout"}"#) { $0 == 1 }
            let gone = try await client.request("GET", sid: idle)
            #expect(gone.status == 400 && JSONValue.parse(gone.body)?["code"] == 1, "\(gone.body)")
            _ = try await client.open()
            checked.withLock { $0 = true }
        }
        return checked.current
    }

    @Test func twoThousandHandshakesFromOneAddressNeverHoldMoreThanTheCap() async throws {
        try await FanoutFixture.with(
            environment: Self.environment([
                "NOVYSE_FANOUT_MAX_UNAUTHENTICATED_PER_ADDRESS": "50", "NOVYSE_FANOUT_CONNECT_TIMEOUT_MS": "600000",
            ])
        ) { fixture, fanout in
            let client = FanoutPollingClient(port: fanout.port, address: "192.0.2.99")
            // The gauges, sampled while the handshakes run (they are refreshed every second).
            let highest = Locked<Double>(0)
            let sampler = Task {
                while !Task.isCancelled {
                    for series in ["novyse_fanout_unauthenticated_sessions", "novyse_fanout_sessions"] {
                        if let value = await fanout.metric(series) { highest.withLock { $0 = max($0, value) } }
                    }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                var statuses: [Int: Int] = [:]
                for attempt in 0..<2000 {
                    if attempt >= 8, let status = try await group.next() { statuses[status, default: 0] += 1 }
                    group.addTask { try await client.handshake().status }
                }
                for try await status in group { statuses[status, default: 0] += 1 }
                return statuses
            }
            #expect(statuses == [200: 50, 429: 1950])
            try await fanout.waitForMetric("novyse_fanout_unauthenticated_sessions") { $0 == 50 }
            sampler.cancel()
            _ = await sampler.value
            #expect(highest.current <= 50, "refused handshakes leave no session behind")
            #expect(await fanout.metric("novyse_fanout_sessions") == 50)
            #expect(await fanout.metric(#"novyse_fanout_handshakes_refused_total{reason="address"}"#) == 1950)
        }
    }
}
