import Foundation
import NovyseCore
import TestSupport
import Testing

/// Edit, then delete, while a member is offline: the deleted message's text (original or edited) reaches
/// nobody but its author and the chat's admins, on any read path of the query service.
@Suite("Deleted content stays private")
struct DeletedContentTests {
    static let original = "secret-original-text"
    static let edited = "secret-edited-text"

    @Test("an offline member's update, from its cursor or from zero, initialize and history never carry the deleted text")
    func editThenDeleteWhileOffline() async throws {
        try await QueryFixture.with { fixture in
            let c = fixture.command
            let owner = try await c.user("owner")
            let author = try await c.user("author")
            let member = try await c.user("member")
            let group = try await c.chat(.group, by: owner, with: [author, member], name: "G")
            let sent = try await fixture.mutate(
                "POST", "/message", as: author,
                #"{"chatUUID":"\#(group.uuidString)","content":"\#(Self.original)","clientMessageID":"\#(UUID().uuidString)"}"#
            )
            let message = try #require(sent.int("messageID"))
            try await fixture.project()
            var devices: [UUID: Mirror] = [:]
            for user in [owner, author, member] { devices[user.id] = try await fixture.freshDevice(user) }

            // Offline meanwhile: the author edits, then deletes.
            let edit = try await fixture.mutate(
                "PATCH", "/message", as: author,
                #"{"chatUUID":"\#(group.uuidString)","messageID":\#(message),"content":"\#(Self.edited)"}"#
            )
            let deletion = try await fixture.mutate(
                "DELETE", "/message", as: author, #"{"chatUUID":"\#(group.uuidString)","messageID":\#(message)}"#
            )
            let editID = try #require(edit.int("eventID"))
            let deleteID = try #require(deletion.int("eventID"))
            try await fixture.project()

            // The member's next update: the deletion, not the edit.
            let memberUpdate = try await fixture.request("POST", "/user/update", as: member, body: devices[member.id]!.updateBody())
            #expect(memberUpdate.status == 200)
            #expect(VisibilityTests.ids(memberUpdate.data, "chats", "events") == [deleteID])
            Self.expectNoDeletedText(memberUpdate.body, "the member's update")

            // From zero: the message comes in its deleted state, with no text.
            let fromZero = #"{"local":{"eventID":0},"chats":[{"chatUUID":"\#(group.uuidString)","eventID":0,"messageID":0}],"users":[]}"#
            let zero = try await fixture.request("POST", "/user/update", as: member, body: fromZero)
            #expect(zero.status == 200)
            #expect(!VisibilityTests.ids(zero.data, "chats", "events").contains(editID))
            let deleted = (zero.data["messages"]?.objects ?? []).first { $0["id"]?.int64 == message }
            #expect(deleted?["deleted"] == .bool(true) && deleted?["content"] == .string(""))
            Self.expectNoDeletedText(zero.body, "the member's update from zero")

            let initialize = try await fixture.get("/user/initialize", as: member)
            #expect(initialize.status == 200)
            Self.expectNoDeletedText(initialize.body, "the member's initialize")
            let history = try await fixture.get("/chat/history?chatUUID=\(group.uuidString)", as: member)
            #expect(history.status == 200)
            Self.expectNoDeletedText(history.body, "the member's history")

            // The audit right: the author and the owner (an admin) still get the edit event, in order.
            for user in [author, owner] {
                let audit = try await fixture.update(user, body: devices[user.id]!.updateBody())
                #expect(VisibilityTests.ids(audit, "chats", "events") == [editID, deleteID], "\(user.handle) audits the edit")
            }

            // And the member's mirror, having applied the update, equals the server's view.
            var device = devices[member.id]!
            device.applyUpdate(memberUpdate.data)
            #expect(device.violations == [])
            #expect(try await fixture.divergence(of: device, for: member) == [])
        }
    }

    static func expectNoDeletedText(_ body: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!body.contains(original), "\(what) carries the deleted original text", sourceLocation: sourceLocation)
        #expect(!body.contains(edited), "\(what) carries the deleted edited text", sourceLocation: sourceLocation)
    }
}
