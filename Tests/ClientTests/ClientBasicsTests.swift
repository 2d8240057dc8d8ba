import Foundation
import NovyseClient
import NovyseCore
import TestSupport
import Testing

/// The client library against the real services, one behaviour at a time: initialize and the update
/// cycle, an apply that fails half-way, pushed items, and mutations retried after a lost answer.
@Suite("Client: initialize, update, pushes, idempotent mutations")
struct ClientBasicsTests {
    @Test("initialize, then update cycles cut by a tiny limit, land exactly on a fresh initialize + history")
    func initializeAndUpdate() async throws {
        try await ClientFixture.with { fixture in
            let alice = try await fixture.harness.user()
            let bob = try await fixture.harness.user()
            let chat = try await fixture.harness.chat(.group, by: alice, with: [bob], name: "team")
            for index in 0..<3 { #expect(try await fixture.harness.send("hello \(index)", in: chat, as: bob).status == 200) }
            try await fixture.waitForPipeline()

            let device = try await fixture.device(alice, name: "phone") { $0.updateLimit = 2 }
            let first = try await device.initialize()
            #expect(first.newChats == 1 && first.messages == 3 && first.localStateReplaced == 1)
            #expect(try await fixture.divergence(of: device).isEmpty)

            // Bob changes things through his own client: every kind of chat and profile event.
            let bobDevice = try await fixture.device(bob, name: "laptop")
            let sent = try await bobDevice.sendMessage("edit me", in: chat)
            let id = try #require(sent.messageID)
            _ = try await bobDevice.editMessage(id, in: chat, content: "edited once")
            _ = try await bobDevice.editMessage(id, in: chat, content: "edited twice")
            _ = try await bobDevice.react("👍", to: id, in: chat)
            _ = try await bobDevice.updateProfile(["biography": .string("new bio"), "color": .string("#A0B0C0")])
            let aliceLaptop = try await fixture.device(alice, name: "laptop")
            _ = try await aliceLaptop.setTheme("dark")
            _ = try await aliceLaptop.pinChat(chat, position: 1)
            _ = try await aliceLaptop.pinMessage(id, in: chat)
            let other = try await aliceLaptop.createChat(type: .dm, members: [bob.id])
            _ = try await aliceLaptop.sendMessage("dm", in: other)
            try await fixture.waitForPipeline()

            let report = try await device.sync()
            #expect(report.answers > 2, "limit 2 must cut the delta into several answers: \(report)")
            #expect(report.newChats == 1 && report.messages >= 2 && report.chatEvents >= 3 && report.userEvents >= 2 && report.localEvents == 2)
            let differences = try await fixture.divergence(of: device)
            #expect(differences.isEmpty, "\(differences)")
            #expect(await device.audit.violations.isEmpty)
            let snapshot = try await device.snapshot()
            #expect(snapshot.messages.first { $0.id == id }?.content == "edited twice")
            #expect(snapshot.settings?.theme == "dark")
        }
    }

    @Test("an apply that fails half-way leaves the previous state and cursors; the next cycle converges")
    func crashMidApply() async throws {
        try await ClientFixture.with { fixture in
            let alice = try await fixture.harness.user()
            let bob = try await fixture.harness.user()
            let chat = try await fixture.harness.chat(.group, by: alice, with: [bob], name: "crash")
            let failAt = Locked<ApplyStage?>(nil)
            let device = try await fixture.device(alice, name: "phone") { configuration in
                configuration.applyFault = { stage in
                    if failAt.current == stage { throw CancellationError() }
                }
            }
            try await fixture.waitForPipeline()
            try await device.initialize()
            let bobDevice = try await fixture.device(bob, name: "phone")
            for stage in [ApplyStage.afterNewChats, .afterMessages, .afterChatEvents, .afterUserEvents, .beforeCommit] {
                let message = try #require(try await bobDevice.sendMessage("before \(stage)", in: chat).messageID)
                _ = try await bobDevice.react("🔥", to: message, in: chat)
                _ = try await bobDevice.updateProfile(["name": .string("Bob \(stage.rawValue)")])
                _ = try await bobDevice.createChat(type: .group, members: [alice.id], name: "new at \(stage)")
                try await fixture.waitForPipeline()
                let before = try await device.snapshot()
                failAt.withLock { $0 = stage }
                await #expect(throws: NovyseClientError.self) { try await device.sync() }
                #expect(try await device.snapshot() == before, "a failed apply at \(stage) must leave the mirror untouched")
                failAt.withLock { $0 = nil }
                let report = try await device.sync()
                #expect(report.messages >= 1 && report.newChats == 1)
                #expect(try await fixture.divergence(of: device).isEmpty)
            }
            let audit = await device.audit
            #expect(audit.rolledBack == 5 && audit.violations.isEmpty, "\(audit)")
        }
    }

    @Test("pushed items apply in place when they follow the cursor; a lost push shows as a gap and an update fills it")
    func pushes() async throws {
        try await ClientFixture.with { fixture in
            let alice = try await fixture.harness.user()
            let bob = try await fixture.harness.user()
            let chat = try await fixture.harness.chat(.group, by: bob, with: [alice], name: "live")
            try await fixture.waitForPipeline()
            let drops = Locked(0)
            let device = try await fixture.device(alice, name: "phone") { configuration in
                configuration.dropPush = { event, _ in
                    event == "message:new"
                        && drops.withLock { count in
                            defer { count = max(0, count - 1) }
                            return count > 0
                        }
                }
            }
            let cyclesAtConnect = await device.audit.cycles
            await device.connect()
            // The CONNECT's own update cycle must have started (the socket says connected a moment before it
            // does) and ended: `sync()` queues behind it. Only then are later items the pushes' alone.
            try await TestDeadline.waitUntil("alice connected and her connect cycle started") {
                let audit = await device.audit
                return await device.socketStatus.connected && audit.cycles > cyclesAtConnect && audit.answersApplied >= 1
            }
            try await device.sync()
            let cyclesBefore = await device.audit.cycles
            let bobDevice = try await fixture.device(bob, name: "phone")
            let first = try #require(try await bobDevice.sendMessage("pushed", in: chat).messageID)
            _ = try await bobDevice.react("👀", to: first, in: chat)
            try await TestDeadline.waitUntil("the message and reaction pushed") {
                (try? await device.snapshot().messages.first { $0.id == first }?.reactions.count) == 1
            }
            #expect(await device.audit.pushesApplied >= 2)
            #expect(await device.audit.cycles == cyclesBefore, "items that follow the cursor need no update")

            let connectsBefore = await device.socketStatus.connects
            drops.withLock { $0 = 1 }
            let lost = try #require(try await bobDevice.sendMessage("lost on the way", in: chat).messageID)
            let next = try #require(try await bobDevice.sendMessage("reveals the gap", in: chat).messageID)
            try await TestDeadline.waitUntil("the gap filled by an update") {
                let ids = Set((try? await device.snapshot().messages.map(\.id)) ?? [])
                return ids.contains(lost) && ids.contains(next)
            }
            // On a loaded machine the socket can time out and reconnect in between: the CONNECT's own cycle
            // then fetches both messages before the next push can show the gap. Nothing else runs a cycle here.
            let reconnected = await device.socketStatus.connects > connectsBefore
            let gaps = await device.audit.pushGaps
            #expect(gaps >= 1 || reconnected, "the lost push shows as a gap unless a reconnect's cycle filled it first")
            #expect(await device.audit.cycles > cyclesBefore)
            await device.disconnect()
            try await fixture.waitForPipeline()
            _ = try await device.sync()
            #expect(try await fixture.divergence(of: device).isEmpty)
            #expect(await device.audit.violations.isEmpty)
        }
    }

    @Test("a mutation whose answer is lost is retried with the same Idempotency-Key and writes once")
    func idempotentRetry() async throws {
        try await ClientFixture.with { fixture in
            let alice = try await fixture.harness.user()
            let bob = try await fixture.harness.user()
            let chat = try await fixture.harness.chat(.group, by: alice, with: [bob], name: "retry")
            let lose = Locked<Set<String>>(["POST /message", "PUT /message/reaction", "PATCH /user/profile"])
            let device = try await fixture.device(alice, name: "phone") { configuration in
                configuration.transportFault = { method, path in
                    lose.withLock { $0.remove("\(method) \(path)") } != nil ? .loseAnswer : .none
                }
            }
            let sent = try await device.sendMessage("exactly once", in: chat)
            #expect(sent.attempts == 2 && sent.replayed, "\(sent)")
            let message = try #require(sent.messageID)
            let reacted = try await device.react("✅", to: message, in: chat)
            #expect(reacted.attempts == 2 && reacted.replayed)
            let profile = try await device.updateProfile(["surname": .string("Once")])
            #expect(profile.attempts == 2 && profile.replayed)
            #expect(try await fixture.harness.count("novyse.messages", where: "content = 'exactly once'") == 1)
            #expect(try await fixture.harness.count("novyse.chat_events", where: "type = 'REACTION_ADDED'") == 1)
            #expect(try await fixture.harness.count("novyse.profile_events", where: "type = 'SURNAME_CHANGED'") == 1)

            // The same clientMessageID under a new key (an app restart lost the key) returns the original.
            let clientID = UUID()
            let original = try await device.sendMessage("resent", in: chat, clientMessageID: clientID)
            let again = try await device.sendMessage("resent", in: chat, clientMessageID: clientID)
            #expect(original.messageID == again.messageID)
            #expect(try await fixture.harness.count("novyse.messages", where: "content = 'resent'") == 1)
        }
    }
}
