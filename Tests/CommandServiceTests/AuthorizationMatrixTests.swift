import Foundation
import NovyseCore
import TestSupport
import Testing

/// Who may do what (`api.md`, "Who may do what"; I7), as one table per chat type, run against the real
/// `novyse-command` binary: every row names a caller, a mutation and either `.allowed` (200, and exactly one
/// row of the matching kind written) or the exact refusal (status and code, and nothing written at all:
/// `writeFingerprint()` is unchanged).
///
/// The rules: only members write to a chat; only the author edits; the author, or an admin of a group or
/// channel, deletes; in groups and channels only admins pin/unpin and add/remove members, in a DM either
/// member pins and membership is fixed; in channels only admins post; any member reacts; nobody edits,
/// reacts to, pins or deletes a deleted message; a message of another chat is unknown here, whoever asks;
/// a removed member can do nothing and a re-added one can again; private settings only for own chats.
/// The API has no promotion, so the admin of every group and channel is its owner (the creator).
@Suite("Authorization matrix")
struct AuthorizationMatrixTests {
    // MARK: The tables

    @Test("every caller × every mutation, in each chat type", arguments: ChatType.allCases)
    func matrix(_ type: ChatType) async throws {
        let harness = try await CommandHarness.start()
        do {
            let world = try await World.make(type, harness: harness)
            try await run(Self.rows(for: type), in: world)
            await harness.stop()
        } catch {
            await harness.stop()
            throw error
        }
    }

    static func rows(for type: ChatType) -> [Row] {
        switch type {
        case .dm: dmRows + nonMemberRows(roles: [.outsider], sampleAuthor: .member, removable: .other)
        case .group: groupRows + nonMemberRows(roles: [.outsider, .former, .left], sampleAuthor: .member, removable: .member)
        case .channel: channelRows + nonMemberRows(roles: [.outsider, .former, .left], sampleAuthor: .owner, removable: .member)
        }
    }

    /// A DM: two members with equal rights, no admin, fixed membership.
    static let dmRows: [Row] = [
        Row(.member, .send, .allowed),
        Row(.other, .send, .allowed),

        Row(.member, .edit(.of(.member)), .allowed),
        Row(.member, .edit(.of(.other)), .refused(403, "AUTHOR_ONLY")),
        Row(.member, .edit(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.member, .edit(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),

        Row(.member, .delete(.of(.member)), .allowed),
        Row(.member, .delete(.of(.other)), .refused(403, "AUTHOR_OR_ADMIN_ONLY")),
        Row(.other, .delete(.of(.member)), .refused(403, "AUTHOR_OR_ADMIN_ONLY")),
        Row(.member, .delete(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.member, .delete(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),

        Row(.member, .react(.of(.other)), .allowed),
        Row(.other, .react(.of(.other)), .allowed),
        Row(.member, .unreact(.of(.other)), .allowed),
        Row(.other, .react(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.other, .unreact(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.member, .react(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),
        Row(.member, .unreact(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),

        Row(.member, .pin(.of(.other)), .allowed),
        Row(.other, .pin(.of(.other)), .allowed),
        Row(.member, .unpin(.of(.other)), .allowed),
        Row(.other, .pin(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.other, .unpin(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.member, .pin(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),
        Row(.member, .unpin(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),

        Row(.member, .add(.spare), .refused(403, "DM_MEMBERS_FIXED")),
        Row(.other, .add(.outsider), .refused(403, "DM_MEMBERS_FIXED")),
        Row(.member, .remove(.other), .refused(403, "DM_MEMBERS_FIXED")),

        Row(.member, .pinChat, .allowed),
        Row(.other, .muteChat, .allowed),
        Row(.member, .folder, .allowed),
    ]

    /// A group: the owner is its admin; every member posts and reacts, only the author edits.
    static let groupRows: [Row] = [
        Row(.owner, .send, .allowed),
        Row(.member, .send, .allowed),
        Row(.readded, .send, .allowed),

        Row(.member, .edit(.of(.member)), .allowed),
        Row(.owner, .edit(.of(.owner)), .allowed),
        Row(.readded, .edit(.of(.readded)), .allowed),  // a message from before the removal
        Row(.member, .edit(.of(.other)), .refused(403, "AUTHOR_ONLY")),
        Row(.owner, .edit(.of(.member)), .refused(403, "AUTHOR_ONLY")),
        Row(.member, .edit(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.member, .edit(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),
        Row(.former, .edit(.of(.former)), .refused(403, "NOT_A_MEMBER")),
        Row(.left, .edit(.of(.left)), .refused(403, "NOT_A_MEMBER")),

        Row(.member, .delete(.of(.member)), .allowed),
        Row(.owner, .delete(.of(.member)), .allowed),
        Row(.owner, .delete(.of(.owner)), .allowed),
        Row(.readded, .delete(.of(.readded)), .allowed),
        Row(.member, .delete(.of(.other)), .refused(403, "AUTHOR_OR_ADMIN_ONLY")),
        Row(.member, .delete(.of(.owner)), .refused(403, "AUTHOR_OR_ADMIN_ONLY")),
        Row(.owner, .delete(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.member, .delete(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.member, .delete(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),
        Row(.owner, .delete(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),
        Row(.former, .delete(.of(.former)), .refused(403, "NOT_A_MEMBER")),
        Row(.left, .delete(.of(.left)), .refused(403, "NOT_A_MEMBER")),

        Row(.member, .react(.of(.other)), .allowed),
        Row(.owner, .react(.of(.member)), .allowed),
        Row(.readded, .react(.of(.member)), .allowed),
        Row(.member, .unreact(.of(.other)), .allowed),
        Row(.member, .react(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.owner, .unreact(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.member, .react(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),
        Row(.member, .unreact(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),

        Row(.owner, .pin(.of(.member)), .allowed),
        Row(.owner, .unpin(.of(.member)), .allowed),
        Row(.member, .pin(.of(.member)), .refused(403, "ADMIN_ONLY")),
        Row(.member, .pin(.of(.owner)), .refused(403, "ADMIN_ONLY")),
        Row(.member, .unpin(.of(.owner)), .refused(403, "ADMIN_ONLY")),
        Row(.readded, .pin(.of(.readded)), .refused(403, "ADMIN_ONLY")),
        Row(.owner, .pin(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.owner, .unpin(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.owner, .pin(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),
        Row(.owner, .unpin(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),

        Row(.owner, .add(.newUser), .allowed),
        Row(.member, .add(.spare), .refused(403, "ADMIN_ONLY")),
        Row(.readded, .add(.spare), .refused(403, "ADMIN_ONLY")),
        Row(.owner, .add(.member), .refused(409, "ALREADY_MEMBER")),
        Row(.owner, .remove(.newMember), .allowed),
        Row(.member, .remove(.other), .refused(403, "ADMIN_ONLY")),
        Row(.member, .remove(.owner), .refused(403, "ADMIN_ONLY")),
        Row(.owner, .remove(.outsider), .refused(409, "NOT_MEMBER")),
        Row(.owner, .remove(.left), .refused(409, "NOT_MEMBER")),
        Row(.newMember, .leave, .allowed),

        Row(.member, .pinChat, .allowed),
        Row(.owner, .muteChat, .allowed),
        Row(.member, .folder, .allowed),
        Row(.readded, .pinChat, .allowed),
    ]

    /// A channel: only its owner posts, pins and manages members; subscribers react.
    static let channelRows: [Row] = [
        Row(.owner, .send, .allowed),
        Row(.member, .send, .refused(403, "ADMIN_ONLY")),
        Row(.readded, .send, .refused(403, "ADMIN_ONLY")),

        Row(.owner, .edit(.of(.owner)), .allowed),
        Row(.member, .edit(.of(.owner)), .refused(403, "AUTHOR_ONLY")),
        Row(.owner, .edit(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.owner, .edit(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),
        Row(.member, .edit(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),

        Row(.owner, .delete(.of(.owner)), .allowed),
        Row(.member, .delete(.of(.owner)), .refused(403, "AUTHOR_OR_ADMIN_ONLY")),
        Row(.owner, .delete(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.owner, .delete(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),
        Row(.member, .delete(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),

        Row(.member, .react(.of(.owner)), .allowed),
        Row(.owner, .react(.of(.owner)), .allowed),
        Row(.readded, .react(.of(.owner)), .allowed),
        Row(.member, .unreact(.of(.owner)), .allowed),
        Row(.member, .react(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.member, .unreact(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.member, .react(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),

        Row(.owner, .pin(.of(.owner)), .allowed),
        Row(.owner, .unpin(.of(.owner)), .allowed),
        Row(.member, .pin(.of(.owner)), .refused(403, "ADMIN_ONLY")),
        Row(.member, .unpin(.of(.owner)), .refused(403, "ADMIN_ONLY")),
        Row(.owner, .pin(.deleted), .refused(409, "MESSAGE_DELETED")),
        Row(.owner, .pin(.elsewhere), .refused(404, "UNKNOWN_MESSAGE")),

        Row(.owner, .add(.newUser), .allowed),
        Row(.member, .add(.spare), .refused(403, "ADMIN_ONLY")),
        Row(.owner, .add(.other), .refused(409, "ALREADY_MEMBER")),
        Row(.owner, .remove(.newMember), .allowed),
        Row(.member, .remove(.other), .refused(403, "ADMIN_ONLY")),
        Row(.member, .remove(.owner), .refused(403, "ADMIN_ONLY")),
        Row(.owner, .remove(.former), .refused(409, "NOT_MEMBER")),
        Row(.newMember, .leave, .allowed),

        Row(.member, .pinChat, .allowed),
        Row(.member, .muteChat, .allowed),
        Row(.owner, .folder, .allowed),
        Row(.readded, .muteChat, .allowed),
    ]

    /// Whoever is not (or no longer) a member can do nothing in the chat: `NOT_A_MEMBER` for every mutation.
    static func nonMemberRows(roles: [Role], sampleAuthor: Role, removable: Role) -> [Row] {
        let actions: [Action] = [
            .send, .edit(.of(sampleAuthor)), .delete(.of(sampleAuthor)), .react(.of(sampleAuthor)),
            .unreact(.of(sampleAuthor)), .pin(.of(sampleAuthor)), .unpin(.of(sampleAuthor)), .add(.spare),
            .remove(removable), .leave, .pinChat, .muteChat, .folder,
        ]
        return roles.flatMap { role in actions.map { Row(role, $0, .refused(403, "NOT_A_MEMBER")) } }
    }

    // MARK: Beyond the tables

    @Test("a message ID of another chat is unknown here, even to a member of both chats")
    func guessedMessageIDs() async throws {
        let harness = try await CommandHarness.start()
        do {
            let alice = try await harness.user()
            let bob = try await harness.user()
            let mallory = try await harness.user()
            let ours = try await harness.chat(.group, by: alice, with: [bob])
            let theirs = try await harness.chat(.group, by: mallory, with: [alice])
            let secret = try #require(try await harness.send("secret", in: theirs, as: mallory).int("messageID"))
            let mine = try #require(try await harness.send("mine", in: theirs, as: alice).int("messageID"))

            // Alice is a member of both chats and owns `ours`; naming `ours` with IDs of `theirs` finds nothing.
            // Bob is not in `theirs`; naming `theirs` is refused as such.
            let cases: [(String, TestUser, UUID, Int64, String, String, Int, String)] = [
                ("alice edits her own message of the other chat", alice, ours, mine, "PATCH", "/message", 404, "UNKNOWN_MESSAGE"),
                ("alice deletes her own message of the other chat", alice, ours, mine, "DELETE", "/message", 404, "UNKNOWN_MESSAGE"),
                ("alice deletes another's message of the other chat", alice, ours, secret, "DELETE", "/message", 404, "UNKNOWN_MESSAGE"),
                ("alice pins it", alice, ours, secret, "PUT", "/message/pin", 404, "UNKNOWN_MESSAGE"),
                ("alice reacts to it", alice, ours, secret, "PUT", "/message/reaction", 404, "UNKNOWN_MESSAGE"),
                ("bob reacts to it", bob, ours, secret, "PUT", "/message/reaction", 404, "UNKNOWN_MESSAGE"),
                ("bob names the other chat", bob, theirs, secret, "PUT", "/message/reaction", 403, "NOT_A_MEMBER"),
                ("bob deletes in the other chat", bob, theirs, secret, "DELETE", "/message", 403, "NOT_A_MEMBER"),
            ]
            for (label, caller, chat, message, method, path, status, code) in cases {
                let json =
                    switch path {
                    case "/message" where method == "PATCH": #"{"chatUUID":"\#(chat)","messageID":\#(message),"content":"hijacked"}"#
                    case "/message/reaction": #"{"chatUUID":"\#(chat)","messageID":\#(message),"reaction":"x"}"#
                    default: #"{"chatUUID":"\#(chat)","messageID":\#(message)}"#
                    }
                let before = try await harness.writeFingerprint()
                let answer = try await harness.call(method, path, as: caller, json: json)
                Self.expectRefusal(answer, status: status, code: code, label)
                let changed = Self.changedTables(before, try await harness.writeFingerprint())
                #expect(changed.isEmpty, "\(label): the refused request wrote to \(changed)")
            }
            await harness.stop()
        } catch {
            await harness.stop()
            throw error
        }
    }

    @Test("leaving a DM never locks a member out of it: creating the DM again gives a usable chat")
    func directMessageAfterLeaving() async throws {
        let harness = try await CommandHarness.start()
        do {
            let alice = try await harness.user()
            let bob = try await harness.user()
            let dm = try await harness.chat(.dm, by: alice, with: [bob])
            // Leaving may be refused (a DM's members are fixed) or allowed; either way it must not 500…
            let left = try await harness.call("POST", "/chat/leave", as: bob, json: #"{"chatUUID":"\#(dm)"}"#)
            #expect(left.status < 500, "leave: \(left.status) \(left.body)")
            // …and afterwards the pair must still be able to talk: the DM is unique per pair, so creating it
            // again returns it, and both must be able to write in what it returns.
            let again = try await harness.chat(.dm, by: bob, with: [alice])
            let fromBob = try await harness.send("still here?", in: again, as: bob)
            #expect(fromBob.status == 200, "bob writes in the DM returned to him: \(fromBob.status) \(fromBob.body)")
            let fromAlice = try await harness.send("yes", in: again, as: alice)
            #expect(fromAlice.status == 200, "alice writes in it: \(fromAlice.status) \(fromAlice.body)")
            await harness.stop()
        } catch {
            await harness.stop()
            throw error
        }
    }
}
