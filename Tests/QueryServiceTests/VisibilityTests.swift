import Foundation
import NovyseCore
import TestSupport
import Testing

/// I7 as a matrix: owner (an admin), author, plain member, removed member, non-member, contact and owner
/// of a profile each get exactly what the rules allow, compacted histories included; invented cursors
/// yield nothing they may not see and a clear resync.
@Suite("Visibility matrix")
struct VisibilityTests {
    struct World {
        let owner: TestUser, author: TestUser, member: TestUser, removed: TestUser, outsider: TestUser
        let group: UUID
        let message: Int64
        let edits: [Int64]
        let memberLeft: Int64
        let profileEvents: [Int64]
        let theme: Int64
        /// Each user's device as it was before the changes.
        let devices: [UUID: Mirror]
    }

    static func world(_ fixture: QueryFixture) async throws -> World {
        let c = fixture.command
        let owner = try await c.user("owner")
        let author = try await c.user("author")
        let member = try await c.user("member")
        let removed = try await c.user("removed")
        let outsider = try await c.user("outsider")
        let group = try await c.chat(.group, by: owner, with: [author, member, removed], name: "G")
        let sent = try await fixture.mutate(
            "POST", "/message", as: author,
            #"{"chatUUID":"\#(group.uuidString)","content":"first","clientMessageID":"\#(UUID().uuidString)"}"#
        )
        let message = sent.int("messageID")!
        try await fixture.project()
        var devices: [UUID: Mirror] = [:]
        for user in [owner, author, member, removed, outsider] { devices[user.id] = try await fixture.freshDevice(user) }

        var edits: [Int64] = []
        for version in 1...3 {
            let answer = try await fixture.mutate(
                "PATCH", "/message", as: author,
                #"{"chatUUID":"\#(group.uuidString)","messageID":\#(message),"content":"v\#(version)"}"#
            )
            edits.append(answer.int("eventID")!)
        }
        let left = try await fixture.mutate(
            "DELETE", "/chat/members", as: owner, #"{"chatUUID":"\#(group.uuidString)","userUUID":"\#(removed.id.uuidString)"}"#
        )
        var profileEvents: [Int64] = []
        for body in [#"{"name":"M1"}"#, #"{"name":"M2"}"#, #"{"biography":"about me"}"#] {
            let answer = try await fixture.mutate("PATCH", "/user/profile", as: member, body)
            profileEvents += answer.data["eventIDs"]?.array?.compactMap(\.int64) ?? []
        }
        let theme = try await fixture.mutate("PUT", "/user/theme", as: owner, #"{"theme":"dark"}"#)
        try await fixture.project()
        return World(
            owner: owner, author: author, member: member, removed: removed, outsider: outsider, group: group,
            message: message, edits: edits, memberLeft: left.int("eventID")!, profileEvents: profileEvents,
            theme: theme.int("eventID")!, devices: devices
        )
    }

    /// The IDs of one list of an update answer.
    static func ids(_ data: [String: JSONValue], _ part: String, _ list: String) -> [Int64] {
        (data[part]?.object?[list]?.objects ?? []).compactMap { $0["id"]?.int64 }
    }

    static func uuids(_ data: [String: JSONValue], _ part: String, _ list: String) -> Set<UUID> {
        Set((data[part]?.object?[list]?.array ?? []).compactMap { $0.uuid ?? $0.object?["uuid"]?.uuid })
    }

    @Test("each role gets exactly its share of chat events, profile events and local events")
    func matrix() async throws {
        try await QueryFixture.with { fixture in
            let w = try await Self.world(fixture)
            #expect(w.profileEvents.count == 3)
            func update(_ user: TestUser) async throws -> [String: JSONValue] {
                try await fixture.update(user, body: w.devices[user.id]!.updateBody())
            }
            let everyEdit = w.edits + [w.memberLeft]
            let latestEdit = [w.edits[2], w.memberLeft]
            let contactView = [w.profileEvents[1], w.profileEvents[2]]

            let owner = try await update(w.owner)
            #expect(Self.ids(owner, "chats", "events") == everyEdit, "an admin audits every edit")
            #expect(Self.ids(owner, "users", "events") == contactView, "a contact gets the latest of each type")
            #expect((owner["local"]?.objects ?? []).compactMap { $0["id"]?.int64 } == [w.theme])

            let author = try await update(w.author)
            #expect(Self.ids(author, "chats", "events") == everyEdit, "the author audits every edit")
            #expect(Self.ids(author, "users", "events") == contactView)
            #expect(author["local"]?.array == [])

            let member = try await update(w.member)
            #expect(Self.ids(member, "chats", "events") == latestEdit, "a plain member gets only the latest edit")
            #expect(Self.ids(member, "users", "events") == w.profileEvents, "the owner of a profile gets its full log")
            #expect(member["local"]?.array == [], "nobody else's local events")

            let removed = try await update(w.removed)
            #expect(Self.uuids(removed, "chats", "removed") == [w.group])
            #expect(Self.ids(removed, "chats", "events") == [] && removed["messages"]?.array == [])
            #expect(Self.uuids(removed, "users", "removed") == [w.owner.id, w.author.id, w.member.id])
            #expect(Self.ids(removed, "users", "events") == [], "no profile events of former contacts")

            // An outsider inventing cursors for the group and its members learns nothing.
            let probe =
                #"{"local":{"eventID":0},"chats":[{"chatUUID":"\#(w.group.uuidString)","eventID":0,"messageID":0}],"users":[{"userUUID":"\#(w.member.id.uuidString)","profileEventID":0}]}"#
            let outsider = try await fixture.update(w.outsider, body: probe)
            #expect(Self.uuids(outsider, "chats", "removed") == [w.group])
            #expect(Self.uuids(outsider, "users", "removed") == [w.member.id])
            #expect(Self.ids(outsider, "chats", "events") == [] && Self.ids(outsider, "users", "events") == [])
            #expect(outsider["messages"]?.array == [] && outsider["chats"]?.object?["new"]?.array == [])
            #expect(outsider["local"]?.array == [])

            // History: members only.
            let path = "/chat/history?chatUUID=\(w.group.uuidString)"
            #expect(try await fixture.get(path, as: w.removed).errorCode == "NOT_A_MEMBER")
            #expect(try await fixture.get(path, as: w.outsider).errorCode == "NOT_A_MEMBER")
            #expect(try await fixture.get("/chat/history?chatUUID=\(UUID().uuidString)", as: w.member).errorCode == "UNKNOWN_CHAT")
            #expect(try await fixture.get(path, as: w.member).status == 200)
        }
    }

    @Test("compaction is over the range served: a cursor between edits gets the latest only")
    func compactionWithinRange() async throws {
        try await QueryFixture.with { fixture in
            let w = try await Self.world(fixture)
            var device = w.devices[w.member.id]!
            device.chats[w.group]!.eventID = w.edits[0]
            let member = try await fixture.update(w.member, body: device.updateBody())
            #expect(Self.ids(member, "chats", "events") == [w.edits[2], w.memberLeft])
            device.chats[w.group]!.eventID = w.edits[2]
            let tail = try await fixture.update(w.member, body: device.updateBody())
            #expect(Self.ids(tail, "chats", "events") == [w.memberLeft])

            var contact = w.devices[w.owner.id]!
            contact.users[w.member.id]!["profileEventID"] = .integer(w.profileEvents[0])
            let owner = try await fixture.update(w.owner, body: contact.updateBody())
            #expect(Self.ids(owner, "users", "events") == [w.profileEvents[1], w.profileEvents[2]])
        }
    }

    @Test("a cursor the server cannot continue from brings the chat, user or local state back whole")
    func resync() async throws {
        try await QueryFixture.with { fixture in
            let w = try await Self.world(fixture)
            let base = w.devices[w.member.id]!
            let cases: [(String, (inout Mirror) -> Void)] = [
                ("beyond the head", { $0.chats[w.group]!.eventID = 9_007_199_254_740_991 }),
                ("another stream's item", { $0.chats[w.group]!.eventID = w.message }),
                ("a message beyond the head", { $0.chats[w.group]!.messageID = 9_007_199_254_740_000 }),
                ("an event as a message", { $0.chats[w.group]!.messageID = w.edits[0] }),
            ]
            for (name, corrupt) in cases {
                var device = base
                corrupt(&device)
                let answer = try await fixture.update(w.member, body: device.updateBody())
                #expect(Self.uuids(answer, "chats", "new") == [w.group], "\(name): the chat comes back whole")
                #expect(Self.ids(answer, "chats", "events") == [], "\(name): no events after a bad cursor")
                device.applyUpdate(answer)
                #expect(device.violations == [], "\(name)")
                #expect(try await fixture.divergence(of: device, for: w.member) == [], "\(name)")
            }

            var device = base
            device.users[w.owner.id]!["profileEventID"] = .integer(w.edits[0])
            device.local!.eventID = 9_000_000_000
            let answer = try await fixture.update(w.member, body: device.updateBody())
            #expect(Self.uuids(answer, "users", "new") == [w.owner.id], "a bad profile cursor resends the user")
            #expect(answer["localState"]?.object != nil, "a bad local cursor resends the private state")
            device.applyUpdate(answer)
            #expect(try await fixture.divergence(of: device, for: w.member) == [])
        }
    }
}
