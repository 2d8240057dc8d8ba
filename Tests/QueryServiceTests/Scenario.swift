import Foundation
import NovyseCore
import TestSupport

/// A small social world and the mutations a device misses while offline: every chat, profile and local
/// event type, joins and removals, new chats, and writes by the device's own user from another device.
struct Scenario {
    let fixture: QueryFixture
    let alice: TestUser
    let aliceTablet: TestUser
    let bob: TestUser
    let carol: TestUser
    let dave: TestUser
    let eve: TestUser
    /// Group owned by bob: alice and carol are plain members.
    let group: UUID
    /// Group owned by alice: she is its admin.
    let aliceGroup: UUID
    let dm: UUID
    /// Group owned by carol, with alice; carol removes her while she is offline.
    let carolGroup: UUID
    /// Group owned by bob without alice; bob adds her while she is offline.
    let laterGroup: UUID

    static func make(_ fixture: QueryFixture) async throws -> Scenario {
        let command = fixture.command
        let alice = try await command.user("alice")
        let bob = try await command.user("bob")
        let carol = try await command.user("carol")
        let dave = try await command.user("dave")
        let eve = try await command.user("eve")
        let scenario = Scenario(
            fixture: fixture, alice: alice, aliceTablet: try await fixture.token(for: alice, device: "tablet"),
            bob: bob, carol: carol, dave: dave, eve: eve,
            group: try await command.chat(.group, by: bob, with: [alice, carol], name: "Bob's group"),
            aliceGroup: try await command.chat(.group, by: alice, with: [bob, carol], name: "Alice's group"),
            dm: try await command.chat(.dm, by: alice, with: [bob]),
            carolGroup: try await command.chat(.group, by: carol, with: [alice], name: "Carol's group"),
            laterGroup: try await command.chat(.group, by: bob, with: [carol], name: "Later")
        )
        for index in 0..<3 {
            _ = try await scenario.send("hello \(index)", in: scenario.group, as: bob)
            _ = try await scenario.send("hi \(index)", in: scenario.aliceGroup, as: carol)
        }
        _ = try await scenario.send("psst", in: scenario.dm, as: bob)
        _ = try await scenario.send("carol's", in: scenario.carolGroup, as: carol)
        _ = try await scenario.send("before alice", in: scenario.laterGroup, as: bob)
        return scenario
    }

    func send(_ content: String, in chat: UUID, as user: TestUser) async throws -> Int64 {
        let answer = try await fixture.mutate(
            "POST", "/message", as: user,
            #"{"chatUUID":"\#(chat.uuidString)","content":"\#(content)","clientMessageID":"\#(UUID().uuidString)"}"#
        )
        guard let id = answer.int("messageID") else { throw HarnessError("no messageID: \(answer.body)") }
        return id
    }

    func onMessage(_ method: String, _ path: String, chat: UUID, message: Int64, as user: TestUser, extra: String = "") async throws {
        try await fixture.mutate(method, path, as: user, #"{"chatUUID":"\#(chat.uuidString)","messageID":\#(message)\#(extra)}"#)
    }

    /// Everything alice misses while offline, round `round` (call it with different rounds for more).
    func offlineRound(_ round: Int) async throws {
        let f = fixture
        let edited = try await send("draft \(round)", in: group, as: bob)
        for version in 1...3 {
            try await onMessage("PATCH", "/message", chat: group, message: edited, as: bob, extra: #","content":"v\#(version) r\#(round)""#)
        }
        let own = try await send("alice's \(round)", in: aliceGroup, as: carol)
        try await onMessage("PATCH", "/message", chat: aliceGroup, message: own, as: carol, extra: #","content":"fixed \#(round)""#)
        try await onMessage("PATCH", "/message", chat: aliceGroup, message: own, as: carol, extra: #","content":"fixed again \#(round)""#)
        try await onMessage("PUT", "/message/reaction", chat: group, message: edited, as: carol, extra: #","reaction":"👍""#)
        try await onMessage("PUT", "/message/reaction", chat: group, message: edited, as: bob, extra: #","reaction":"🎉""#)
        try await onMessage("DELETE", "/message/reaction", chat: group, message: edited, as: carol, extra: #","reaction":"👍""#)
        try await onMessage("PUT", "/message/pin", chat: group, message: edited, as: bob)
        let doomed = try await send("oops \(round)", in: group, as: carol)
        try await onMessage("PUT", "/message/reaction", chat: group, message: doomed, as: bob, extra: #","reaction":"x""#)
        try await onMessage("DELETE", "/message", chat: group, message: doomed, as: carol)
        let pinned = try await send("pin me \(round)", in: dm, as: alice)
        try await onMessage("PUT", "/message/pin", chat: dm, message: pinned, as: bob)
        try await onMessage("DELETE", "/message/pin", chat: dm, message: pinned, as: bob)
        try await f.mutate("PATCH", "/user/profile", as: bob, #"{"name":"Bob \#(round)"}"#)
        try await f.mutate("PATCH", "/user/profile", as: bob, #"{"name":"Robert \#(round)","biography":"bio \#(round)"}"#)
        try await f.mutate("PATCH", "/user/profile", as: bob, ##"{"color":"#00AA0\##(round % 10)","birthday":"1990-01-0\##(round % 9 + 1)"}"##)
        try await f.mutate("PATCH", "/user/profile", as: aliceTablet, #"{"surname":"A\#(round)","handle":"alice\#(round)"}"#)
        try await f.mutate(
            "PATCH", "/user/profile", as: aliceTablet,
            #"{"surname":"B\#(round)","profilePictureUUID":"\#(UUID().uuidString)","bannerPictureUUID":"\#(UUID().uuidString)"}"#)
        try await f.mutate("PATCH", "/user/profile", as: eve, #"{"name":"Eve \#(round)"}"#)
        try await f.mutate("PUT", "/user/theme", as: aliceTablet, #"{"theme":"dark-\#(round)"}"#)
        try await f.mutate("PUT", "/chat/pin", as: aliceTablet, #"{"chatUUID":"\#(group.uuidString)","position":\#(round)}"#)
        try await f.mutate("PUT", "/chat/pin", as: aliceTablet, #"{"chatUUID":"\#(dm.uuidString)","position":\#(round + 1)}"#)
        try await f.mutate("DELETE", "/chat/pin", as: aliceTablet, #"{"chatUUID":"\#(dm.uuidString)"}"#)
        try await f.mutate(
            "PUT", "/chat/mute", as: aliceTablet, #"{"chatUUID":"\#(group.uuidString)","until":"2099-01-0\#(round % 9 + 1)T10:00:00.000Z"}"#)
        try await f.mutate("PUT", "/chat/mute", as: aliceTablet, #"{"chatUUID":"\#(dm.uuidString)"}"#)
        try await f.mutate("DELETE", "/chat/mute", as: aliceTablet, #"{"chatUUID":"\#(dm.uuidString)"}"#)
        try await f.mutate(
            "PUT", "/folder", as: aliceTablet,
            #"{"folderID":"work","name":"Work \#(round)","chatUUIDs":["\#(group.uuidString)","\#(dm.uuidString)"]}"#)
        try await f.mutate("PUT", "/folder", as: aliceTablet, #"{"folderID":"tmp\#(round)","name":"Tmp","chatUUIDs":[]}"#)
        try await f.mutate("DELETE", "/folder", as: aliceTablet, #"{"folderID":"tmp\#(round)"}"#)
        _ = try await send("dm \(round)", in: dm, as: bob)
    }

    /// Membership changes while alice is offline: dave joins and leaves again, alice is removed from
    /// carol's group and added to the later group.
    func membershipChanges() async throws {
        let f = fixture
        try await f.mutate("POST", "/chat/members", as: bob, #"{"chatUUID":"\#(group.uuidString)","userUUID":"\#(dave.id.uuidString)"}"#)
        _ = try await send("dave here", in: group, as: dave)
        try await f.mutate("POST", "/chat/leave", as: dave, #"{"chatUUID":"\#(group.uuidString)"}"#)
        try await f.mutate("POST", "/chat/members", as: bob, #"{"chatUUID":"\#(group.uuidString)","userUUID":"\#(dave.id.uuidString)"}"#)
        try await f.mutate(
            "PUT", "/chat/members/role", as: bob, #"{"chatUUID":"\#(group.uuidString)","userUUID":"\#(dave.id.uuidString)","role":"ADMIN"}"#
        )
        try await f.mutate("DELETE", "/chat/members", as: carol, #"{"chatUUID":"\#(carolGroup.uuidString)","userUUID":"\#(alice.id.uuidString)"}"#)
        try await f.mutate("POST", "/chat/members", as: bob, #"{"chatUUID":"\#(laterGroup.uuidString)","userUUID":"\#(alice.id.uuidString)"}"#)
        _ = try await send("welcome alice", in: laterGroup, as: bob)
    }
}
