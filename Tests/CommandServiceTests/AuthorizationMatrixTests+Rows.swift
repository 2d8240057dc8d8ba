import Foundation
import NovyseCore
import TestSupport
import Testing

/// The matrix itself: who calls, which mutation, what must happen, and how a table is run.
extension AuthorizationMatrixTests {
    // MARK: Rows

    /// Who calls. `newMember` and `newUser` are made afresh for their row (a member added by the owner,
    /// or a user in no chat), so that rows which change membership leave the shared cast untouched.
    enum Role: String, Sendable, CaseIterable {
        case owner, member, other, outsider, former, left, readded, spare, newMember, newUser

        var label: String {
            switch self {
            case .owner: "owner"
            case .member: "member"
            case .other: "another member"
            case .outsider: "non-member"
            case .former: "removed member"
            case .left: "member who left"
            case .readded: "re-added member"
            case .spare: "user in no chat"
            case .newMember: "new member"
            case .newUser: "new user"
            }
        }
    }

    /// The message a row acts on.
    enum MessageRef: Sendable, CustomStringConvertible {
        /// A live message of this chat by that role; sent afresh when the row is allowed and changes it.
        case of(Role)
        /// A message of this chat, already deleted by its author.
        case deleted
        /// The caller's own message in another chat (where every role is a member), named with this chat.
        case elsewhere

        var description: String {
            switch self {
            case .of(let role): "message of \(role.label)"
            case .deleted: "deleted message"
            case .elsewhere: "message ID of another chat"
            }
        }
    }

    enum Action: Sendable, CustomStringConvertible {
        case send
        case edit(MessageRef)
        case delete(MessageRef)
        case react(MessageRef)
        case unreact(MessageRef)
        case pin(MessageRef)
        case unpin(MessageRef)
        case add(Role)
        case remove(Role)
        case leave
        case pinChat, muteChat, folder

        var description: String {
            switch self {
            case .send: "POST /message"
            case .edit(let message): "PATCH /message (\(message))"
            case .delete(let message): "DELETE /message (\(message))"
            case .react(let message): "PUT /message/reaction (\(message))"
            case .unreact(let message): "DELETE /message/reaction (\(message))"
            case .pin(let message): "PUT /message/pin (\(message))"
            case .unpin(let message): "DELETE /message/pin (\(message))"
            case .add(let role): "POST /chat/members (\(role.label))"
            case .remove(let role): "DELETE /chat/members (\(role.label))"
            case .leave: "POST /chat/leave"
            case .pinChat: "PUT /chat/pin"
            case .muteChat: "PUT /chat/mute"
            case .folder: "PUT /folder"
            }
        }

        /// Whether a row of this action first writes a fresh target: a new user always, a fresh message (and
        /// its reaction or pin) when the row is allowed.
        func prepares(allowed: Bool) -> Bool {
            switch self {
            case .add(.newUser), .remove(.newMember): true
            case .delete(.of), .react(.of), .unreact(.of), .pin(.of), .unpin(.of): allowed
            default: false
            }
        }
    }

    enum Outcome: Sendable, Equatable {
        case allowed
        case refused(Int, String)
    }

    struct Row: Sendable, CustomStringConvertible {
        let actor: Role
        let action: Action
        let outcome: Outcome

        init(_ actor: Role, _ action: Action, _ outcome: Outcome) {
            self.actor = actor
            self.action = action
            self.outcome = outcome
        }

        var description: String {
            let expected =
                switch outcome {
                case .allowed: "allowed"
                case .refused(let status, let code): "\(status) \(code)"
                }
            return "\(actor.label): \(action) → \(expected)"
        }
    }

    // MARK: Running a table

    /// The cast of one chat: every role's user, the chat, another chat they all share (for guessed IDs), a
    /// live message by each role that can post, and a deleted one.
    struct World: Sendable {
        let type: ChatType
        let harness: CommandHarness
        let chat: UUID
        let users: [Role: TestUser]
        let live: [Role: Int64]
        let deleted: Int64
        let elsewhere: [Role: Int64]

        func user(_ role: Role) throws -> TestUser {
            try #require(users[role], "no \(role.label) in a \(type.rawValue)")
        }

        static func make(_ type: ChatType, harness: CommandHarness) async throws -> World {
            var users: [Role: TestUser] = [:]
            let cast: [Role] =
                type == .dm
                ? [.member, .other, .outsider, .spare]
                : [.owner, .member, .other, .outsider, .former, .left, .readded, .spare]
            for role in cast { users[role] = try await harness.user() }
            func u(_ role: Role) -> TestUser { users[role]! }

            let chat: UUID
            let posters: [Role]
            let deletedAuthor: Role
            switch type {
            case .dm:
                chat = try await harness.chat(.dm, by: u(.member), with: [u(.other)])
                posters = [.member, .other]
                deletedAuthor = .member
            case .group, .channel:
                chat = try await harness.chat(
                    type, by: u(.owner), with: [.member, .other, .former, .left, .readded].map(u), name: "the \(type.rawValue)"
                )
                posters = type == .group ? [.owner, .member, .other, .former, .left, .readded] : [.owner]
                deletedAuthor = type == .group ? .member : .owner
            }
            var live: [Role: Int64] = [:]
            for role in posters { live[role] = try await Self.sent(harness.send("by \(role)", in: chat, as: u(role))) }
            let deleted = try await Self.sent(harness.send("to be deleted", in: chat, as: u(deletedAuthor)))
            try await Self.ok(harness.call("DELETE", "/message", as: u(deletedAuthor), json: #"{"chatUUID":"\#(chat)","messageID":\#(deleted)}"#))

            // Another chat everyone (but the spare user) is in: its message IDs are what a guesser would try.
            let insiders = cast.filter { $0 != .outsider && $0 != .spare }
            let other = try await harness.chat(.group, by: u(.outsider), with: insiders.map(u), name: "elsewhere")
            var elsewhere: [Role: Int64] = [:]
            for role in insiders { elsewhere[role] = try await Self.sent(harness.send("elsewhere", in: other, as: u(role))) }

            if type != .dm {
                let owner = u(.owner)
                try await Self.ok(harness.call("DELETE", "/chat/members", as: owner, json: Self.memberBody(chat, u(.former))))
                try await Self.ok(harness.call("POST", "/chat/leave", as: u(.left), json: #"{"chatUUID":"\#(chat)"}"#))
                try await Self.ok(harness.call("DELETE", "/chat/members", as: owner, json: Self.memberBody(chat, u(.readded))))
                try await Self.ok(harness.call("POST", "/chat/members", as: owner, json: Self.memberBody(chat, u(.readded))))
            }
            return World(type: type, harness: harness, chat: chat, users: users, live: live, deleted: deleted, elsewhere: elsewhere)
        }

        static func memberBody(_ chat: UUID, _ user: TestUser) -> String {
            #"{"chatUUID":"\#(chat)","userUUID":"\#(user.id)"}"#
        }

        @discardableResult
        static func ok(_ answer: APIAnswer) throws -> APIAnswer {
            guard answer.status == 200 else { throw HarnessError("setup step failed: \(answer.status) \(answer.body)") }
            return answer
        }

        static func sent(_ answer: APIAnswer) throws -> Int64 {
            guard answer.status == 200, let id = answer.int("messageID") else {
                throw HarnessError("setup send failed: \(answer.status) \(answer.body)")
            }
            return id
        }
    }

    /// A request ready to send, and where its effect shows when it is allowed.
    struct Prepared {
        let caller: TestUser
        let method: String
        let path: String
        let json: String
        /// Table and condition whose row count must grow by exactly one when the row is allowed.
        let evidence: (table: String, condition: String)
        /// Whether preparing the row wrote anything (a fresh user, message, reaction or pin).
        var wrote = false
    }

    func run(_ rows: [Row], in world: World) async throws {
        let harness = world.harness
        var fingerprint: String?  // valid while only refusals ran since it was taken
        for row in rows {
            let prepared = try await prepare(row, in: world)
            if prepared.wrote { fingerprint = nil }
            let label = "\(world.type.rawValue) — \(row)"
            switch row.outcome {
            case .allowed:
                let before = try await harness.count(prepared.evidence.table, where: prepared.evidence.condition)
                let answer = try await harness.call(prepared.method, prepared.path, as: prepared.caller, json: prepared.json)
                #expect(answer.status == 200, "\(label): got \(answer.status) \(answer.body)")
                #expect(answer.json["success"] == .bool(true), "\(label): \(answer.body)")
                let after = try await harness.count(prepared.evidence.table, where: prepared.evidence.condition)
                #expect(after == before + 1, "\(label): expected one new row in \(prepared.evidence.table), found \(after - before)")
                fingerprint = nil
            case .refused(let status, let code):
                let before: String
                if let fingerprint { before = fingerprint } else { before = try await harness.writeFingerprint() }
                let answer = try await harness.call(prepared.method, prepared.path, as: prepared.caller, json: prepared.json)
                Self.expectRefusal(answer, status: status, code: code, label)
                let after = try await harness.writeFingerprint()
                let changed = Self.changedTables(before, after)
                #expect(changed.isEmpty, "\(label): the refused request wrote to \(changed)")
                fingerprint = after
            }
        }
    }

    /// Builds the row's request; for an allowed row that changes its message, first makes a fresh one in the
    /// state the row needs (sent by the named author; reacted to or pinned by the caller for the undo rows).
    func prepare(_ row: Row, in world: World) async throws -> Prepared {
        var prepared = try await request(for: row, in: world)
        prepared.wrote = row.actor == .newMember || row.action.prepares(allowed: row.outcome == .allowed)
        return prepared
    }

    func request(for row: Row, in world: World) async throws -> Prepared {
        let harness = world.harness
        let chat = world.chat
        let allowed = row.outcome == .allowed
        let caller: TestUser
        if row.actor == .newMember {
            caller = try await harness.user()
            try World.ok(try await harness.call("POST", "/chat/members", as: try world.user(.owner), json: World.memberBody(chat, caller)))
        } else {
            caller = try world.user(row.actor)
        }

        func message(_ reference: MessageRef, fresh: Bool) async throws -> Int64 {
            switch reference {
            case .of(let author):
                if fresh { return try World.sent(try await harness.send("fresh", in: chat, as: try world.user(author))) }
                return try #require(world.live[author], "no message of \(author.label) in a \(world.type.rawValue)")
            case .deleted:
                return world.deleted
            case .elsewhere:
                // The caller's own message where the caller may act on it; a non-member of that chat borrows one.
                return try #require(world.elsewhere[row.actor] ?? world.elsewhere.values.first)
            }
        }
        func events(_ type: String) -> (String, String) {
            ("novyse.chat_events", "chat_uuid = '\(chat)' AND type = '\(type)'")
        }
        func local(_ type: String) -> (String, String) {
            ("novyse.local_events", "user_uuid = '\(caller.id)' AND type = '\(type)'")
        }
        func messageBody(_ id: Int64, _ extra: String = "") -> String {
            #"{"chatUUID":"\#(chat)","messageID":\#(id)\#(extra)}"#
        }

        switch row.action {
        case .send:
            let body = #"{"chatUUID":"\#(chat)","content":"hello","clientMessageID":"\#(UUID())"}"#
            return Prepared(
                caller: caller, method: "POST", path: "/message", json: body,
                evidence: ("novyse.messages", "chat_uuid = '\(chat)'"))
        case .edit(let reference):
            // Editing changes nothing another row depends on, so allowed edits use the shared message.
            let id = try await message(reference, fresh: false)
            return Prepared(
                caller: caller, method: "PATCH", path: "/message", json: messageBody(id, #","content":"edited""#),
                evidence: events("MESSAGE_EDITED"))
        case .delete(let reference):
            let id = try await message(reference, fresh: allowed)
            return Prepared(
                caller: caller, method: "DELETE", path: "/message", json: messageBody(id),
                evidence: events("MESSAGE_DELETED"))
        case .react(let reference):
            let id = try await message(reference, fresh: allowed)
            return Prepared(
                caller: caller, method: "PUT", path: "/message/reaction", json: messageBody(id, #","reaction":"👍""#),
                evidence: events("REACTION_ADDED"))
        case .unreact(let reference):
            let id = try await message(reference, fresh: allowed)
            if allowed {
                try World.ok(try await harness.call("PUT", "/message/reaction", as: caller, json: messageBody(id, #","reaction":"👍""#)))
            }
            return Prepared(
                caller: caller, method: "DELETE", path: "/message/reaction", json: messageBody(id, #","reaction":"👍""#),
                evidence: events("REACTION_REMOVED"))
        case .pin(let reference):
            let id = try await message(reference, fresh: allowed)
            return Prepared(
                caller: caller, method: "PUT", path: "/message/pin", json: messageBody(id),
                evidence: events("MESSAGE_PINNED"))
        case .unpin(let reference):
            let id = try await message(reference, fresh: allowed)
            if allowed { try World.ok(try await harness.call("PUT", "/message/pin", as: caller, json: messageBody(id))) }
            return Prepared(
                caller: caller, method: "DELETE", path: "/message/pin", json: messageBody(id),
                evidence: events("MESSAGE_UNPINNED"))
        case .add(let role):
            let target = role == .newUser ? try await harness.user() : try world.user(role)
            return Prepared(
                caller: caller, method: "POST", path: "/chat/members", json: World.memberBody(chat, target),
                evidence: events("MEMBER_JOINED"))
        case .remove(let role):
            let target: TestUser
            if role == .newMember {
                target = try await harness.user()
                try World.ok(try await harness.call("POST", "/chat/members", as: try world.user(.owner), json: World.memberBody(chat, target)))
            } else {
                target = try world.user(role)
            }
            return Prepared(
                caller: caller, method: "DELETE", path: "/chat/members", json: World.memberBody(chat, target),
                evidence: events("MEMBER_LEFT"))
        case .leave:
            return Prepared(
                caller: caller, method: "POST", path: "/chat/leave", json: #"{"chatUUID":"\#(chat)"}"#,
                evidence: events("MEMBER_LEFT"))
        case .pinChat:
            return Prepared(
                caller: caller, method: "PUT", path: "/chat/pin", json: #"{"chatUUID":"\#(chat)","position":0}"#,
                evidence: local("CHAT_PINNED"))
        case .muteChat:
            return Prepared(
                caller: caller, method: "PUT", path: "/chat/mute", json: #"{"chatUUID":"\#(chat)"}"#,
                evidence: local("CHAT_MUTED"))
        case .folder:
            return Prepared(
                caller: caller, method: "PUT", path: "/folder",
                json: #"{"folderID":"f-\#(UUID())","name":"Folder","chatUUIDs":["\#(chat)"]}"#,
                evidence: local("FOLDER_UPDATED"))
        }
    }

    /// The exact refusal, in the `{success:false, error:{code, message}}` envelope, and never a server error.
    static func expectRefusal(
        _ answer: APIAnswer, status: Int, code: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard answer.status < 500 else {
            Issue.record("\(label): server error \(answer.status) \(answer.body)", sourceLocation: sourceLocation)
            return
        }
        guard answer.status == status, answer.errorCode == code else {
            Issue.record("\(label): got \(answer.status) \(answer.errorCode ?? "-") — \(answer.body)", sourceLocation: sourceLocation)
            return
        }
        guard case .object(let error)? = answer.json["error"], case .string(let message)? = error["message"] else {
            Issue.record("\(label): no error envelope in \(answer.body)", sourceLocation: sourceLocation)
            return
        }
        #expect(
            answer.json["success"] == .bool(false) && Set(answer.json.keys) == ["success", "error"]
                && Set(error.keys) == ["code", "message"] && !message.isEmpty,
            "\(label): not the error envelope: \(answer.body)", sourceLocation: sourceLocation)
    }

    /// The tables whose line differs between two `writeFingerprint()`s.
    static func changedTables(_ before: String, _ after: String) -> [String] {
        let old = Set(before.split(separator: "\n"))
        return after.split(separator: "\n").filter { !old.contains($0) }.map { String($0.prefix { $0 != "=" }) }
    }
}
