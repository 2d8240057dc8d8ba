import Foundation
import NIOConcurrencyHelpers
import NovyseCore
import TestSupport
import Testing

@testable import NovyseSocketIO

/// The WebSocket transport, on its own and as an upgrade from long-polling.
@Suite struct WebSocketProtocolTests {
    static let path = "/socket.io/?EIO=4&transport=websocket"

    @Test func webSocketSessionConnectsEmitsAcksAndDisconnects() async throws {
        try await SocketIOTestServer.with { server in
            let socket = try await TestWebSocket.connect(port: server.port, path: Self.path)
            let open = try await socket.next()
            #expect(open.first == "0")
            let handshake = try #require(JSONValue.parse(String(open.dropFirst())))
            #expect(handshake["upgrades"] == [])
            socket.send(#"40{"token":"user:erin"}"#)
            let connected = try await socket.next()
            let socketID = try #require(JSONValue.parse(String(connected.dropFirst(2)))?["sid"]?.stringValue)
            #expect(connected.hasPrefix("40"))
            socket.send(#"427["echo",{"n":1},"two"]"#)
            #expect(try await socket.next() == #"437[{"n":1},"two"]"#)
            #expect(server.server.emit(toSocket: socketID, event: "chat:new", encodedData: #"{"chat":{}}"#))
            #expect(try await socket.next() == #"42["chat:new",{"chat":{}}]"#)
            socket.send("41")
            try await socket.waitUntilClosed()
            try await SocketIOTestServer.waitUntil("disconnect") {
                server.handler.entries.contains("disconnected erin client namespace disconnect")
            }
            #expect(server.server.stats.connectedSockets == 0)
        }
    }

    @Test func pollingSessionUpgradesToWebSocket() async throws {
        try await SocketIOTestServer.with { server in
            let client = PollingClient(port: server.port)
            let (sid, socketID) = try await client.connect(token: "user:frank")
            async let pending = client.get(client.url(sid: sid))
            try await SocketIOTestServer.waitUntil("the GET to wait") { server.server.pendingPollCount(sid: sid) == 1 }
            let socket = try await TestWebSocket.connect(port: server.port, path: Self.path + "&sid=\(sid)")
            socket.send("2probe")
            #expect(try await socket.next() == "3probe")
            // The pending poll is released with a NOOP so the client can pause polling.
            #expect(try await pending.body == "6")
            socket.send("5")
            try await SocketIOTestServer.waitUntil("the upgrade") {
                server.server.session(id: sid)?.state.withLockedValue { $0.transport == .websocket } == true
            }
            #expect(server.server.emit(toSocket: socketID, event: "message:new", data: ["id": 1]))
            #expect(try await socket.next() == #"42["message:new",{"id":1}]"#)
            // Polling on an upgraded session is a bad request; a second upgrade is refused.
            #expect(try await client.get(client.url(sid: sid)).status == 400)
            let late = try await client.get(client.url(sid: sid, transport: "websocket"))
            #expect(late.status == 400)
            socket.send(#"421["echo","still here"]"#)
            #expect(try await socket.next() == #"431["still here"]"#)
        }
    }

    @Test func upgradeWithoutPendingPollFlushesTheNoopOverWebSocket() async throws {
        try await SocketIOTestServer.with { server in
            let client = PollingClient(port: server.port)
            let (sid, _) = try await client.handshake()
            let socket = try await TestWebSocket.connect(port: server.port, path: Self.path + "&sid=\(sid)")
            socket.send("2probe")
            #expect(try await socket.next() == "3probe")
            socket.send("5")
            #expect(try await socket.next() == "6")
            socket.send("4hello-is-not-socket.io")
            try await socket.waitUntilClosed()
        }
    }

    @Test func unknownSessionsAreNotUpgraded() async throws {
        try await SocketIOTestServer.with { server in
            let client = PollingClient(port: server.port)
            let response = try await client.get(client.url(sid: "unknown", transport: "websocket"))
            #expect(response.status == 400)
            #expect(JSONValue.parse(response.body)?["code"] == 1)
            let socket = try await TestWebSocket.connect(port: server.port, path: Self.path + "&sid=unknown")
            try await socket.waitUntilClosed()
        }
    }

    @Test func silentWebSocketClientsTimeOut() async throws {
        try await SocketIOTestServer.with(SocketIOTestServer.fastHeartbeat) { server in
            let socket = try await TestWebSocket.connect(port: server.port, path: Self.path)
            #expect(try await socket.next().first == "0")
            socket.send(#"40{"token":"user:gina"}"#)
            // The heartbeat starts when the Engine.IO session opens, so on a slow machine a ping can come before
            // the Socket.IO connect answer: answer those too, and count them among the three.
            var answered = 0
            var reply = try await socket.next()
            while reply == "2" {
                socket.send("3")
                answered += 1
                reply = try await socket.next()
            }
            #expect(reply.hasPrefix("40"))
            while answered < 3 {
                #expect(try await socket.next() == "2")
                socket.send("3")
                answered += 1
            }
            #expect(try await socket.next() == "2")
            try await socket.waitUntilClosed()
            #expect(server.handler.entries.contains("disconnected gina ping timeout"))
        }
    }

    @Test func oversizedWebSocketMessagesCloseTheConnection() async throws {
        var configuration = SocketIOConfiguration()
        configuration.maxPayload = 1000
        try await SocketIOTestServer.with(configuration) { server in
            let socket = try await TestWebSocket.connect(port: server.port, path: Self.path)
            #expect(try await socket.next().first == "0")
            socket.send(#"40{"token":"user:hal"}"#)
            #expect(try await socket.next().hasPrefix("40"))
            socket.send(#"42["big",""# + String(repeating: "x", count: 5000) + #""]"#)
            try await socket.waitUntilClosed()
            try await SocketIOTestServer.waitUntil("disconnect") {
                server.handler.entries.contains { $0.hasPrefix("disconnected hal") }
            }
        }
    }
}
