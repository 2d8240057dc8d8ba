import Foundation
import NovyseCore
import TestSupport
import Testing

/// Roles change after creation (`MEMBER_ROLE_CHANGED`, the owner's to make), travel to every member as chat
/// events, and the rights and visibility that depend on them follow: a promoted member moderates and audits
/// full edit histories, a demoted one no longer does, and a chat never loses its owner.
@Suite("Member roles")
struct RoleTests {
    static func body(_ chat: UUID, _ user: TestUser, role: String) -> String {
        #"{"chatUUID":"\#(chat.uuidString)","userUUID":"\#(user.id.uuidString)","role":"\#(role)"}"#
    }

    @Test("a promoted member moderates and audits every edit; demoted, they see the latest edit only; devices converge")
    func promotionAndDemotion() async throws {
        try await QueryFixture.with { fixture in
            let c = fixture.command
            let owner = try await c.user("owner")
            let author = try await c.user("author")
            let bob = try await c.user("bob")
            let carol = try await c.user("carol")
            let group = try await c.chat(.group, by: owner, with: [author, bob], name: "G")
            let sent = try await fixture.mutate(
                "POST", "/message", as: author,
                #"{"chatUUID":"\#(group.uuidString)","content":"v0","clientMessageID":"\#(UUID().uuidString)"}"#
            )
            let message = try #require(sent.int("messageID"))
            try await fixture.project()
            var device = try await fixture.freshDevice(bob)
            let before = device
            var edits: [Int64] = []
            for version in 1...3 {
                let edit = try await fixture.mutate(
                    "PATCH", "/message", as: author, #"{"chatUUID":"\#(group.uuidString)","messageID":\#(message),"content":"v\#(version)"}"#
                )
                edits.append(try #require(edit.int("eventID")))
            }
            let add = #"{"chatUUID":"\#(group.uuidString)","userUUID":"\#(carol.id.uuidString)"}"#
            #expect(try await c.call("POST", "/chat/members", as: bob, json: add).errorCode == "ADMIN_ONLY")

            let promoted = try await fixture.mutate("PUT", "/chat/members/role", as: owner, Self.body(group, bob, role: "ADMIN"))
            #expect(promoted.status == 200)
            let promotion = try #require(promoted.data["eventIDs"]?.array?.compactMap(\.int64).first)
            try await fixture.project()
            let asAdmin = try await fixture.update(bob, body: before.updateBody())
            #expect(VisibilityTests.ids(asAdmin, "chats", "events") == edits + [promotion], "an admin audits every edit")
            #expect(try await c.call("POST", "/chat/members", as: bob, json: add).status == 200, "an admin adds members")

            let demoted = try await fixture.mutate("PUT", "/chat/members/role", as: owner, Self.body(group, bob, role: "MEMBER"))
            let demotion = try #require(demoted.data["eventIDs"]?.array?.compactMap(\.int64).first)
            try await fixture.project()
            let asMember = try await fixture.update(bob, body: before.updateBody())
            let events = VisibilityTests.ids(asMember, "chats", "events")
            #expect(!events.contains(edits[0]) && !events.contains(edits[1]), "demoted: superseded edits withheld: \(events)")
            #expect(events.contains(edits[2]) && events.contains(promotion) && events.contains(demotion))
            let remove = #"{"chatUUID":"\#(group.uuidString)","userUUID":"\#(carol.id.uuidString)"}"#
            #expect(try await c.call("DELETE", "/chat/members", as: bob, json: remove).errorCode == "ADMIN_ONLY")

            try await fixture.sync(&device, as: bob)
            #expect(device.violations.isEmpty, "\(device.violations)")
            #expect(device.chats[group]?.members[bob.id]?["role"] == .string("MEMBER"))
            #expect(try await fixture.divergence(of: device, for: bob).isEmpty)
            let owners = try await fixture.freshDevice(owner)
            #expect(owners.chats[group]?.members[bob.id]?["role"] == .string("MEMBER"))
        }
    }

    @Test("the owner cannot leave; ownership is handed over, after which the former owner may leave")
    func lastOwner() async throws {
        try await QueryFixture.with { fixture in
            let c = fixture.command
            let owner = try await c.user("owner")
            let admin = try await c.user("admin")
            let member = try await c.user("member")
            let outsider = try await c.user("outsider")
            let channel = try await c.chat(.channel, by: owner, with: [admin, member], name: "C")
            let leave = #"{"chatUUID":"\#(channel.uuidString)"}"#
            #expect(try await c.call("POST", "/chat/leave", as: owner, json: leave).errorCode == "LAST_OWNER")
            let removeSelf = #"{"chatUUID":"\#(channel.uuidString)","userUUID":"\#(owner.id.uuidString)"}"#
            #expect(try await c.call("DELETE", "/chat/members", as: owner, json: removeSelf).errorCode == "LAST_OWNER")

            let role = "/chat/members/role"
            #expect(try await c.call("PUT", role, as: owner, json: Self.body(channel, admin, role: "ADMIN")).status == 200)
            #expect(try await c.call("PUT", role, as: admin, json: Self.body(channel, member, role: "ADMIN")).errorCode == "OWNER_ONLY")
            #expect(try await c.call("PUT", role, as: owner, json: Self.body(channel, admin, role: "ADMIN")).errorCode == "ROLE_UNCHANGED")
            #expect(try await c.call("PUT", role, as: owner, json: Self.body(channel, owner, role: "MEMBER")).errorCode == "ROLE_UNCHANGED")
            #expect(try await c.call("PUT", role, as: owner, json: Self.body(channel, outsider, role: "ADMIN")).errorCode == "NOT_MEMBER")
            let bad = try await c.call("PUT", role, as: owner, json: Self.body(channel, member, role: "KING"))
            #expect(bad.status == 400)
            let dm = try await c.chat(.dm, by: owner, with: [member])
            #expect(try await c.call("PUT", role, as: owner, json: Self.body(dm, member, role: "ADMIN")).errorCode == "DM_ROLES_FIXED")

            // The admin posts in the channel; a plain member may not until made admin.
            let post = { (chat: UUID) in #"{"chatUUID":"\#(chat.uuidString)","content":"hi","clientMessageID":"\#(UUID().uuidString)"}"# }
            #expect(try await c.call("POST", "/message", as: admin, json: post(channel)).status == 200)
            #expect(try await c.call("POST", "/message", as: member, json: post(channel)).errorCode == "ADMIN_ONLY")

            let handover = try await c.call("PUT", role, as: owner, json: Self.body(channel, member, role: "OWNER"))
            #expect(handover.status == 200)
            #expect(handover.data["eventIDs"]?.array?.count == 2, "the new owner's event, then the former owner's")
            #expect(try await c.call("POST", "/message", as: member, json: post(channel)).status == 200, "the new owner posts")
            #expect(try await c.call("POST", "/chat/leave", as: member, json: leave).errorCode == "LAST_OWNER")
            #expect(try await c.call("POST", "/chat/leave", as: owner, json: leave).status == 200, "the former owner, now admin, leaves")
            #expect(
                try await c.call("POST", "/chat/leave", as: member, json: #"{"chatUUID":"\#(dm.uuidString)"}"#).status == 200,
                "a DM has no owner to lose")

            try await fixture.project()
            let view = try await fixture.freshDevice(admin)
            #expect(view.chats[channel]?.members[member.id]?["role"] == .string("OWNER"))
            #expect(view.chats[channel]?.members[owner.id] == nil)
            #expect(view.chats[channel]?.members.values.filter { $0["role"] == .string("OWNER") }.count == 1)
        }
    }
}
