import Foundation
import NIOConcurrencyHelpers
import NovyseCore
import TestSupport
import Testing

@testable import NovyseSocketIO

/// What a client may hold: unauthenticated sessions (in all and per address), the time it has to
/// authenticate, and the bytes waiting in its queue. Client addresses come from `X-Forwarded-For`, as the
/// fan-out reads them behind its proxy.
@Suite struct SessionLimitsTests {
    static func client(_ server: SocketIOTestServer, from address: String) -> PollingClient {
        var client = PollingClient(port: server.port)
        client.headers = ["X-Forwarded-For": address]
        return client
    }

    /// No heartbeat during a test: the sessions a test holds never answer pings, and must not leave by a ping
    /// timeout while a slow step runs.
    static let quietHeartbeat = SocketIOConfiguration(pingInterval: .seconds(600), pingTimeout: .seconds(600))

    @Test func handshakesOverTheCapsAreRefusedAndAuthenticatingFreesASlot() async throws {
        var configuration = Self.quietHeartbeat
        configuration.maxUnauthenticatedSessions = 4
        configuration.maxUnauthenticatedSessionsPerAddress = 2
        configuration.connectTimeout = .seconds(600)  // nothing leaves by the deadline during the test
        try await SocketIOTestServer.with(configuration) { server in
            let first = Self.client(server, from: "198.51.100.1")
            let (waiting, _) = try await first.handshake()
            _ = try await first.handshake()
            let overAddress = try await first.get(first.url(sid: nil))
            #expect(overAddress.status == 429, "\(overAddress.body)")
            #expect(JSONValue.parse(overAddress.body) == ["code": 429, "message": "Too many unauthenticated sessions from this address"])
            let second = Self.client(server, from: "198.51.100.2")
            _ = try await second.handshake()
            _ = try await second.handshake()
            let third = Self.client(server, from: "198.51.100.3")
            let overTotal = try await third.get(third.url(sid: nil))
            #expect(overTotal.status == 503, "\(overTotal.body)")
            #expect(JSONValue.parse(overTotal.body) == ["code": 503, "message": "Too many unauthenticated sessions"])
            // A WebSocket handshake over the cap gets no open packet: the WebSocket closes at once (1013).
            let socket = try await TestWebSocket.connect(port: server.port, path: WebSocketProtocolTests.path)
            #expect(try await socket.waitUntilClosed() == [], "no open packet")
            #expect(socket.closeFrame == .init(code: 1013, reason: "Too many unauthenticated sessions"))
            #expect(server.server.stats.unauthenticatedSessions == 4)

            // One session authenticates: its slot is free at once, for its address and in all.
            try await first.send(waiting, #"40{"token":"user:ann"}"#)
            #expect(try await first.poll(waiting).first?.hasPrefix("40{\"sid\"") == true)
            #expect(server.server.stats.unauthenticatedSessions == 3)
            _ = try await first.handshake()
            let stats = server.server.stats
            #expect(stats.unauthenticatedSessions == 4 && stats.peakUnauthenticatedSessions == 4)
            #expect(stats.refusedHandshakes == [.tooManySessionsFromAddress: 1, .tooManySessions: 2])
        }
    }

    @Test func theDeadlineClosesAnIdleSessionAndFreesItsSlot() async throws {
        // The second handshake and the forged CONNECT must come while the first session is within its
        // deadline: on a slow machine they may not, and a longer deadline is tried.
        var deadline = Duration.milliseconds(300)
        while try await !Self.deadlineClosesAnIdleSession(deadline) {
            deadline *= 4
            try #require(deadline <= .seconds(20), "never handshook twice within the deadline")
        }
    }

    /// False when the steps before the deadline came after it (the precondition failed).
    private static func deadlineClosesAnIdleSession(_ deadline: Duration) async throws -> Bool {
        var configuration = Self.quietHeartbeat
        configuration.connectTimeout = deadline
        configuration.maxUnauthenticatedSessionsPerAddress = 1
        let checked = Locked(false)
        try await SocketIOTestServer.with(configuration) { server in
            let client = Self.client(server, from: "203.0.113.7")
            let started = ContinuousClock.now
            let (idle, _) = try await client.handshake()
            let second = try await client.get(client.url(sid: nil))
            // A refused CONNECT does not extend the deadline.
            var forged: HTTPAnswer?
            if second.status == 429 { forged = try await client.post(client.url(sid: idle), body: #"40{"token":"forged"}"#) }
            guard second.status == 429, forged?.status == 200 else {
                #expect(ContinuousClock.now - started >= deadline, "the session left before its deadline: \(second.status) \(forged?.status ?? 0)")
                return
            }
            try await SocketIOTestServer.waitUntil("the idle session to reach its deadline") {
                server.handler.unauthenticatedClosures.withLockedValue { $0 == [.connectTimeout] }
            }
            #expect(try await client.get(client.url(sid: idle)).status == 400)
            _ = try await client.handshake()
            #expect(server.server.stats.unauthenticatedSessions == 1)
            checked.withLock { $0 = true }
        }
        return checked.current
    }

    @Test func aSessionThatAuthenticatesInTimeOutlivesTheDeadline() async throws {
        // The deadline must be long enough for this machine to authenticate within it: if the session was
        // closed before its CONNECT was answered, the precondition failed, and a longer deadline is tried.
        var deadline = Duration.seconds(1)
        while true {
            var configuration = SocketIOTestServer.fastHeartbeat
            configuration.pingTimeout = .seconds(600)  // a slow pong must not end the socket: only the deadline may
            configuration.connectTimeout = deadline
            let outlived = try await Self.outlivesTheDeadline(configuration)
            if outlived { return }
            deadline *= 4
            try #require(deadline <= .seconds(64), "never authenticated within the deadline")
        }
    }

    /// Connects within `connectTimeout` (nil when it could not), then answers pings until twice the deadline
    /// has passed; true when the socket is still connected then.
    private static func outlivesTheDeadline(_ configuration: SocketIOConfiguration) async throws -> Bool {
        let outcome = Locked<Bool>(false)
        try await SocketIOTestServer.with(configuration) { server in
            let client = Self.client(server, from: "203.0.113.8")
            let started = ContinuousClock.now
            guard let (sid, socketID) = try? await client.connect(token: "user:patient") else { return }
            while ContinuousClock.now < started + configuration.connectTimeout * 2 {
                for packet in try await client.poll(sid) where packet == "2" { try await client.send(sid, "3") }
            }
            #expect(server.server.emit(toSocket: socketID, event: "still", data: true))
            #expect(!server.handler.entries.contains { $0.hasPrefix("disconnected patient") }, "\(server.handler.entries)")
            outcome.withLock { $0 = true }
        }
        return outcome.current
    }

    @Test func aSlowReaderIsDisconnectedWhenItsQueueHoldsTooManyBytes() async throws {
        var configuration = SocketIOConfiguration()
        configuration.maxQueuedBytes = 10_000  // far below the packet bound's 1024 small packets
        try await SocketIOTestServer.with(configuration) { server in
            let client = PollingClient(port: server.port)
            // One push larger than the bound still reaches a client that reads: the queue was empty.
            let (reader, readerSocket) = try await client.connect(token: "user:reader")
            let large = String(repeating: "l", count: 20_000)
            #expect(server.server.emit(toSocket: readerSocket, event: "large", data: .string(large)))
            #expect(try await client.poll(reader) == [#"42["large",""# + large + #""]"#])

            // A client that never reads: 2 kB pushes fill the 10 kB bound after a few, far from 1024 packets.
            let (slow, slowSocket) = try await client.connect(token: "user:slow")
            let chunk = String(repeating: "s", count: 2000)
            var accepted = 0
            for _ in 0..<20 where server.server.emit(toSocket: slowSocket, event: "tick", data: .string(chunk)) {
                accepted += 1
            }
            #expect(accepted >= 4 && accepted < 6, "\(accepted) pushes of 2 kB queued under a 10 kB bound")
            #expect(server.handler.entries.contains("disconnected slow queue overflow"))
            #expect(server.server.stats.queueOverflows == 1)
            #expect(try await client.get(client.url(sid: slow)).status == 400)
            #expect(!server.handler.entries.contains { $0.hasPrefix("disconnected reader") })
        }
    }

    @Test func aSocketWhoseCredentialsExpireIsToldAndDisconnected() async throws {
        var configuration = SocketIOTestServer.fastHeartbeat
        configuration.pingTimeout = .seconds(600)  // `lasting` answers its pings only at the end
        configuration.expiryNotice = SocketIONotice(event: "server:disconnect", code: "AUTH_TOKEN_EXPIRED", message: "expired")
        try await SocketIOTestServer.with(configuration) { server in
            let started = ContinuousClock.now
            let lasting = try await TestWebSocket.connectSocketIO(port: server.port, token: "user:ray")
            let expiring = try await TestWebSocket.connectSocketIO(port: server.port, token: "expiring:ivy:300")
            let notice = try await expiring.nextAnsweringPings()
            let noticed = ContinuousClock.now
            #expect(notice == #"42["server:disconnect",{"data":{"code":"AUTH_TOKEN_EXPIRED"},"message":"expired"}]"#)
            #expect(try await expiring.nextAnsweringPings() == "41")
            try await expiring.waitUntilClosed()
            #expect(noticed - started >= .milliseconds(300), "not before the credentials expire")
            try await SocketIOTestServer.waitUntil("the disconnect") {
                server.handler.entries.contains("disconnected ivy credentials expired")
            }
            // Credentials without an expiry keep their socket.
            lasting.send(#"421["echo","here"]"#)
            #expect(try await lasting.nextAnsweringPings() == #"431["here"]"#)
        }
    }

    @Test func twoThousandHandshakesFromOneAddressNeverHoldMoreThanTheCap() async throws {
        var configuration = Self.quietHeartbeat
        configuration.maxUnauthenticatedSessionsPerAddress = 50
        configuration.connectTimeout = .seconds(600)
        try await SocketIOTestServer.with(configuration) { server in
            let client = Self.client(server, from: "192.0.2.66")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                var statuses: [Int: Int] = [:]
                for attempt in 0..<2000 {
                    if attempt >= 16, let status = try await group.next() { statuses[status, default: 0] += 1 }
                    group.addTask { try await client.get(client.url(sid: nil)).status }
                }
                for try await status in group { statuses[status, default: 0] += 1 }
                return statuses
            }
            #expect(statuses == [200: 50, 429: 1950])
            let stats = server.server.stats
            #expect(stats.peakUnauthenticatedSessions == 50, "never more than the cap at once")
            #expect(stats.unauthenticatedSessions == 50 && stats.sessions == 50, "refused handshakes leave nothing behind")
            #expect(stats.refusedHandshakes[.tooManySessionsFromAddress] == 1950)
        }
    }
}
