import Foundation
import NovyseClient
import NovyseCore
import TestSupport
import Testing

/// A device whose user's role changes while it is offline applies the next answer by the role the server
/// served it with: the role as of the answer, which the answer itself may change.
@Suite("Client: role changes while offline")
struct ClientRoleTests {
    @Test("an admin demoted while offline takes a compacted answer without an ordering violation, and converges")
    func demotedWhileOffline() async throws {
        try await ClientFixture.with { fixture in
            let owner = try await fixture.harness.user()
            let author = try await fixture.harness.user()
            let admin = try await fixture.harness.user()
            let chat = try await fixture.harness.chat(.group, by: owner, with: [author, admin], name: "roles")
            let owners = try await fixture.device(owner, name: "phone")
            let authors = try await fixture.device(author, name: "phone")
            try await fixture.waitForPipeline()
            _ = try await owners.setRole(.admin, of: admin.id, in: chat)
            let sent = try await authors.sendMessage("v0", in: chat)
            let message = try #require(sent.messageID)
            try await fixture.waitForPipeline()

            // Strict ordering: a chain the device's role does not allow throws instead of being recorded.
            let device = try await fixture.device(admin, name: "phone")
            try await device.initialize()
            #expect(try await device.snapshot().chats.first?.members.first { $0.userUUID == admin.id.key }?.role == "ADMIN")

            // Offline: two edits, then the demotion. The server answers as to a plain member (the first edit
            // withheld), so the second edit's prevID is not the device's cursor.
            _ = try await authors.editMessage(message, in: chat, content: "v1")
            _ = try await authors.editMessage(message, in: chat, content: "v2")
            _ = try await owners.setRole(.member, of: admin.id, in: chat)
            try await fixture.waitForPipeline()
            let report = try await device.sync()
            #expect(report.chatEvents == 2, "the latest edit and the demotion")
            let violations = await device.audit.violations
            #expect(violations.isEmpty, "\(violations)")
            let mirror = try await device.snapshot()
            #expect(mirror.chats.first?.members.first { $0.userUUID == admin.id.key }?.role == "MEMBER")
            #expect(mirror.messages.first { $0.id == message }?.content == "v2")
            #expect(try await fixture.divergence(of: device).isEmpty)
        }
    }
}
