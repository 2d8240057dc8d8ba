import Foundation
import NovyseCore
import TestSupport
import Testing

@testable import NovyseSocketIO

/// Engine.IO and Socket.IO over HTTP long-polling, packet by packet, against a server on 127.0.0.1.
@Suite struct PollingProtocolTests {
    @Test func handshakeAnnouncesTheSession() async throws {
        try await SocketIOTestServer.with { server in
            let client = PollingClient(port: server.port)
            let response = try await client.get(client.url(sid: nil))
            #expect(response.status == 200)
            #expect(response.headers["content-type"]?.hasPrefix("text/plain") == true)
            let open = try #require(JSONValue.parse(String(response.body.dropFirst())))
            #expect(response.body.first == "0")
            guard case .object(let fields) = open else {
                Issue.record("not an object")
                return
            }
            #expect(Set(fields.keys) == ["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"])
            #expect(open["upgrades"] == ["websocket"])
            #expect(open["pingInterval"] == 25000)
            #expect(open["pingTimeout"] == 20000)
            #expect(open["maxPayload"] == 1_000_000)
        }
    }

    @Test func badRequestsGetTheProtocolErrors() async throws {
        try await SocketIOTestServer.with { server in
            let client = PollingClient(port: server.port)
            func expectError(_ response: HTTPAnswer, status: Int = 400, code: Int, message: String) {
                #expect(response.status == status)
                #expect(JSONValue.parse(response.body) == ["code": .integer(Int64(code)), "message": .string(message)])
            }
            expectError(try await client.get("/socket.io/?transport=polling"), code: 3, message: "Bad request")
            expectError(try await client.get(client.url(sid: nil, version: "3")), code: 5, message: "Unsupported protocol version")
            expectError(try await client.get(client.url(sid: nil, transport: "carrier-pigeon")), code: 0, message: "Transport unknown")
            expectError(try await client.get(client.url(sid: "nope")), code: 1, message: "Session ID unknown")
            expectError(try await client.post(client.url(sid: "nope"), body: "4x"), code: 1, message: "Session ID unknown")
            expectError(try await client.post(client.url(sid: nil), body: "4x"), code: 2, message: "Bad handshake method")
            // A plain GET asking for the WebSocket transport lacks the upgrade.
            expectError(try await client.get(client.url(sid: nil, transport: "websocket")), code: 3, message: "Bad request")
            // A malformed payload closes the session.
            let (sid, _) = try await client.handshake()
            expectError(try await client.post(client.url(sid: sid), body: "x"), code: 3, message: "Bad request")
            expectError(try await client.get(client.url(sid: sid)), code: 1, message: "Session ID unknown")
        }
    }

    @Test func severalPacketsTravelInOnePayload() async throws {
        try await SocketIOTestServer.with { server in
            let client = PollingClient(port: server.port)
            let (sid, _) = try await client.handshake()
            // Three pings in one POST: three pongs come back in one GET.
            try await client.send(sid, "2", "2a", "2b")
            #expect(try await client.poll(sid) == ["3", "3a", "3b"])
            let (connected, socketID) = try await client.connect(token: "user:alice")
            try await client.send(connected, #"421["echo","one"]"#, #"422["echo","two"]"#)
            var acks: Set<String> = []
            while acks.count < 2 { acks.formUnion(try await client.poll(connected)) }
            #expect(acks == [#"431["one"]"#, #"432["two"]"#])
            // Server pushes queued while no GET waits go out together.
            #expect(server.server.emit(toSocket: socketID, event: "a", data: 1))
            #expect(server.server.emit(toSocket: socketID, event: "b", data: ["x": "y"]))
            #expect(try await client.poll(connected) == [#"42["a",1]"#, #"42["b",{"x":"y"}]"#])
        }
    }

    @Test func aSecondConcurrentPollClosesTheSession() async throws {
        try await SocketIOTestServer.with { server in
            let client = PollingClient(port: server.port)
            let (sid, _) = try await client.handshake()
            async let first = client.get(client.url(sid: sid))
            try await SocketIOTestServer.waitUntil("the first GET to wait") {
                server.server.pendingPollCount(sid: sid) == 1
            }
            let second = try await client.get(client.url(sid: sid))
            #expect(second.status == 400)
            let firstResponse = try await first
            #expect(firstResponse.status == 200)
            #expect(firstResponse.body == "1")
            #expect(try await client.get(client.url(sid: sid)).status == 400)
        }
    }

    @Test func closePacketEndsThePendingPollWithANoop() async throws {
        try await SocketIOTestServer.with { server in
            let client = PollingClient(port: server.port)
            let (sid, socketID) = try await client.connect(token: "user:carol")
            async let pending = client.get(client.url(sid: sid))
            try await SocketIOTestServer.waitUntil("the GET to wait") { server.server.pendingPollCount(sid: sid) == 1 }
            try await client.send(sid, "1")
            #expect(try await pending.body == "6")
            #expect(try await client.get(client.url(sid: sid)).status == 400)
            #expect(!server.server.emit(toSocket: socketID, event: "late", data: nil))
            #expect(server.handler.entries.contains("disconnected carol transport close"))
        }
    }

    @Test func aPollWhoseConnectionDropsEndsTheSessionAtOnce() async throws {
        // Heartbeats far longer than the wait below: only the dropped connection can end the session in time.
        let slowHeartbeat = SocketIOConfiguration(pingInterval: .seconds(600), pingTimeout: .seconds(600))
        try await SocketIOTestServer.with(slowHeartbeat) { server in
            let client = PollingClient(port: server.port)
            let (sid, socketID) = try await client.connect(token: "user:dana")
            // A raw connection, so the test can close it while the GET waits (as a killed app would).
            // Connected and written on a thread of its own: blocking calls stay off the cooperative pool.
            let request = "GET \(client.url(sid: sid)) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            let port = server.port
            let (opened, written) = await offloaded { () -> (Int32?, Int) in
                guard let fd = Network.connectLoopback(port: port) else { return (nil, 0) }
                return (fd, request.utf8.withContiguousStorageIfAvailable { write(fd, $0.baseAddress, $0.count) } ?? -1)
            }
            let fd = try #require(opened)
            #expect(written == request.utf8.count)
            try await SocketIOTestServer.waitUntil("the GET to wait") { server.server.pendingPollCount(sid: sid) == 1 }
            close(fd)
            // Well before any heartbeat: the close alone ends the session.
            try await SocketIOTestServer.waitUntil("the session to end") {
                server.handler.entries.contains("disconnected dana transport close")
            }
            #expect(!server.server.emit(toSocket: socketID, event: "late", data: nil))
            #expect(try await client.get(client.url(sid: sid)).status == 400)
        }
    }

    @Test func aPollThatIsAnsweredLeavesItsConnectionUsable() async throws {
        try await SocketIOTestServer.with { server in
            let client = PollingClient(port: server.port)
            let (sid, socketID) = try await client.connect(token: "user:erin")
            // URLSession keeps the connection alive between requests: the observer of each poll is removed
            // after it, and the next poll on the same connection still works.
            for round in 0..<3 {
                async let pending = client.get(client.url(sid: sid))
                try await SocketIOTestServer.waitUntil("poll \(round) to wait") { server.server.pendingPollCount(sid: sid) == 1 }
                #expect(server.server.emit(toSocket: socketID, event: "round", data: .integer(Int64(round))))
                #expect(try await pending.body == #"42["round",\#(round)]"#)
            }
            #expect(!server.handler.entries.contains { $0.hasPrefix("disconnected erin") })
        }
    }

    @Test func silentClientsTimeOutAndAnsweringOnesStay() async throws {
        try await SocketIOTestServer.with(SocketIOTestServer.fastHeartbeat) { server in
            let client = PollingClient(port: server.port)
            let (silent, _) = try await client.connect(token: "user:silent")
            let (alive, _) = try await client.connect(token: "user:alive")
            // The live client answers every ping (at least three) until the silent one has timed out: it must
            // not stop answering while it waits, or a slow machine could time it out too.
            var answered = 0
            let deadline = ContinuousClock.now + .seconds(120)
            while answered < 3 || !server.handler.entries.contains("disconnected silent ping timeout") {
                try #require(ContinuousClock.now < deadline, "the silent session never timed out")
                for packet in try await client.poll(alive) where packet == "2" {
                    try await client.send(alive, "3")
                    answered += 1
                }
            }
            #expect(try await client.post(client.url(sid: silent), body: "3").status == 400)
            #expect(!server.handler.entries.contains { $0.hasPrefix("disconnected alive") })
        }
    }

    @Test func oversizedPayloadsAreRefused() async throws {
        var configuration = SocketIOConfiguration()
        configuration.maxPayload = 1000
        try await SocketIOTestServer.with(configuration) { server in
            let client = PollingClient(port: server.port)
            let (sid, open) = try await client.handshake()
            #expect(open["maxPayload"] == 1000)
            let response = try await client.post(client.url(sid: sid), body: "4" + String(repeating: "x", count: 2000))
            #expect(response.status == 413)
            #expect(try await client.get(client.url(sid: sid)).status == 400)
        }
    }

    @Test func connectAcceptsGoodTokensAndRefusesOthersWithCodes() async throws {
        try await SocketIOTestServer.with { server in
            let client = PollingClient(port: server.port)
            let (_, socketID) = try await client.connect(token: "user:dave")
            #expect(!socketID.isEmpty)
            try await SocketIOTestServer.waitUntil("connected") { server.handler.entries.contains("connected dave") }
            let cases: [(String, String)] = [
                ("40", "AUTH_NO_TOKEN"), (#"40{"token":""}"#, "AUTH_NO_TOKEN"),
                (#"40{"token":"forged"}"#, "AUTH_INVALID_TOKEN"), (#"40{"token":"expired"}"#, "AUTH_TOKEN_EXPIRED"),
            ]
            for (connect, code) in cases {
                let (sid, _) = try await client.handshake()
                try await client.send(sid, connect)
                let packets = try await client.poll(sid)
                let refusal = try #require(packets.first.flatMap { JSONValue.parse(String($0.dropFirst(2))) })
                #expect(packets.first?.hasPrefix("44") == true)
                #expect(refusal["data"] == ["code": .string(code)])
                #expect(refusal["message"]?.stringValue?.isEmpty == false)
                // After a refusal the client may retry on the same session.
                try await client.send(sid, #"40{"token":"user:retry"}"#)
                #expect(try await client.poll(sid).first?.hasPrefix("40{\"sid\"") == true)
            }
            let (sid, _) = try await client.handshake()
            try await client.send(sid, "40/admin,")
            #expect(try await client.poll(sid) == [#"44/admin,{"message":"Invalid namespace"}"#])
        }
    }

    @Test func eventsBeforeConnectCloseTheSession() async throws {
        try await SocketIOTestServer.with { server in
            let client = PollingClient(port: server.port)
            let (sid, _) = try await client.handshake()
            try await client.send(sid, #"42["sneaky"]"#)
            #expect(try await client.get(client.url(sid: sid)).status == 400)
            #expect(server.handler.entries.isEmpty)
        }
    }

    @Test func aSlowReaderIsDisconnectedWhenItsQueueIsFull() async throws {
        var configuration = SocketIOConfiguration()
        configuration.maxQueuedPackets = 4
        try await SocketIOTestServer.with(configuration) { server in
            let client = PollingClient(port: server.port)
            let (sid, socketID) = try await client.connect(token: "user:slow")
            var accepted = 0
            for index in 0..<10 where server.server.emit(toSocket: socketID, event: "tick", data: .integer(Int64(index))) {
                accepted += 1
            }
            #expect(accepted == 4)
            #expect(server.handler.entries.contains("disconnected slow queue overflow"))
            #expect(server.server.stats.queueOverflows == 1)
            #expect(try await client.get(client.url(sid: sid)).status == 400)
        }
    }
}
