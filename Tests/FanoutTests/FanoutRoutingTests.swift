import Foundation
import NovyseCore
import NovyseSocketIO
import TestSupport
import Testing

/// End to end: the real command service and fan-out binaries on a private Postgres and Redis; devices are
/// Socket.IO clients over WebSocket.
@Suite struct FanoutRoutingTests {
    @Test func itemsReachExactlyTheDevicesAllowedToSeeThem() async throws {
        let fixture = try await FanoutFixture.start()
        do {
            let harness = fixture.harness
            let alice = try await harness.user()
            let bob = try await harness.user()
            let carol = try await harness.user()
            let alicePhone = try await fixture.connect(alice, device: "phone")
            let aliceLaptop = try await fixture.connect(alice, device: "laptop")
            let bobPhone = try await fixture.connect(bob, device: "phone")
            let carolPhone = try await fixture.connect(carol, device: "phone")
            let collector = EventCollector()

            let chat = try await harness.chat(.group, by: alice, with: [bob], name: "team")
            for client in [alicePhone, aliceLaptop, bobPhone] {
                let events = try await collector.wait(client, for: "chat:new") { $0.contains { $0.name == "chat:new" } }
                let created = try #require(events.named("chat:new").first?.data)
                #expect(created["chat"]?["uuid"]?.stringValue == chat.uuidString.lowercased())
                guard case .array(let members)? = created["chat"]?["members"] else {
                    Issue.record("chat:new without members: \(created.jsonText)")
                    continue
                }
                #expect(members.count == 2)
            }

            let sent = try await harness.send("hello team", in: chat, as: alice)
            #expect(sent.status == 200)
            for client in [alicePhone, aliceLaptop, bobPhone] {
                let events = try await collector.wait(client, for: "message:new") { $0.contains { $0.name == "message:new" } }
                let message = try #require(events.named("message:new").first?.data)
                #expect(message["content"]?.stringValue == "hello team")
                #expect(message["id"]?.doubleValue == sent.int("messageID").map(Double.init))
                #expect(message["prevID"]?.doubleValue == sent.int("prevID").map(Double.init))
            }

            let renamed = try await harness.call("PATCH", "/user/profile", as: bob, json: #"{"name":"Bobby"}"#)
            #expect(renamed.status == 200)
            for client in [alicePhone, aliceLaptop, bobPhone] {
                let events = try await collector.wait(client, for: "user:event") { $0.contains { $0.name == "user:event" } }
                #expect(events.named("user:event").first?.data["payload"]?["name"]?.stringValue == "Bobby")
            }

            try await fixture.changeTheme(alice, to: "midnight")
            for client in [alicePhone, aliceLaptop] {
                let events = try await collector.wait(client, for: "local:event") { !$0.named("local:event").isEmpty }
                #expect(events.named("local:event").first?.data["payload"]?["theme"]?.stringValue == "midnight")
            }

            // Bob is removed: he is told so, and gets nothing more of the chat.
            let removed = try await harness.call(
                "DELETE", "/chat/members", as: alice, json: #"{"chatUUID":"\#(chat.uuidString)","userUUID":"\#(bob.id.uuidString)"}"#
            )
            #expect(removed.status == 200)
            let bobEvents = try await collector.wait(bobPhone, for: "chat:removed") { $0.contains { $0.name == "chat:removed" } }
            #expect(bobEvents.named("chat:removed").first?.data == ["chatUUID": .string(chat.uuidString.lowercased())])
            #expect(try await harness.send("after bob left", in: chat, as: alice).status == 200)
            _ = try await collector.wait(alicePhone, for: "the second message") { $0.named("message:new").count == 2 }

            try await fixture.settle(
                [(alice, alicePhone), (alice, aliceLaptop), (bob, bobPhone), (carol, carolPhone)], collector: collector
            )
            let carolSaw = await collector.events(carolPhone)
            let carolUnexpected = carolSaw.filter { !($0.data["payload"]?["theme"]?.stringValue?.hasPrefix("settle") ?? false) }
            #expect(carolUnexpected.isEmpty, "carol shares no chat: \(carolSaw)")
            let bobSaw = await collector.events(bobPhone)
            #expect(bobSaw.named("message:new").count == 1, "\(bobSaw)")
            #expect(bobSaw.named("local:event").isEmpty, "\(bobSaw)")
            #expect(bobSaw.named("chat:event").isEmpty, "bob's own removal reached him as chat:removed: \(bobSaw)")
            for client in [alicePhone, aliceLaptop] {
                let saw = await collector.events(client)
                #expect(saw.named("message:new").count == 2, "\(saw)")
                #expect(saw.named("chat:event").count == 1, "\(saw)")
                #expect(saw.named("local:event").count == 1, "\(saw)")
            }
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test func devicesSpreadOverTwoProcessesGetEveryItemExactlyOnce() async throws {
        let fixture = try await FanoutFixture.start(processes: 2)
        do {
            let harness = fixture.harness
            let alice = try await harness.user()
            let bob = try await harness.user()
            let clients: [(TestUser, FanoutSocketClient)] = [
                (alice, try await fixture.connect(alice, device: "phone", process: 0)),
                (alice, try await fixture.connect(alice, device: "laptop", process: 1)),
                (bob, try await fixture.connect(bob, device: "phone", process: 1)),
                (bob, try await fixture.connect(bob, device: "tablet", process: 0)),
            ]
            let collector = EventCollector()
            let chat = try await harness.chat(.group, by: alice, with: [bob], name: "spread")
            var messageIDs: [Double] = []
            for index in 0..<5 {
                let sender = index.isMultiple(of: 2) ? alice : bob
                let sent = try await harness.send("message \(index)", in: chat, as: sender)
                messageIDs.append(Double(try #require(sent.int("messageID"))))
            }
            #expect(try await harness.call("PATCH", "/user/profile", as: alice, json: #"{"surname":"Spread"}"#).status == 200)
            try await fixture.settle(clients, collector: collector)
            for (_, client) in clients {
                let events = await collector.events(client)
                #expect(events.named("chat:new").count == 1, "\(client.label): \(events)")
                #expect(events.named("message:new").compactMap { $0.data["id"]?.doubleValue } == messageIDs, "\(client.label): \(events)")
                #expect(events.named("user:event").count == 1, "\(client.label): \(events)")
                #expect(events.named("local:event").isEmpty, "\(client.label): \(events)")
            }
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }
}
