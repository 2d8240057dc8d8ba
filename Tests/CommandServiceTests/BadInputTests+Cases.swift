import Foundation
import NovyseCore
import NovyseService
import TestSupport
import Testing

/// The fixture, the bad-input cases and the checks every refusal must pass.
extension BadInputTests {
    // MARK: Cases and checks

    /// Alice owns a group with Bob in it and has written one message there; Carol is in no chat with her.
    struct Fixture: Sendable {
        let harness: InProcessCommand
        let alice: TestUser
        let bob: TestUser
        let carol: TestUser
        let group: UUID
        let message: Int64
    }

    static func withFixture(_ body: @escaping @Sendable (Fixture) async throws -> Void) async throws {
        try await InProcessCommand.with { harness in
            let alice = try await harness.user()
            let bob = try await harness.user()
            let carol = try await harness.user()
            let group = try await harness.chat(.group, by: alice, with: [bob], name: "team")
            let sent = try await harness.send("hello", in: group, as: alice)
            let message = try #require(sent.int("messageID"), "setup: \(sent.body)")
            try await body(Fixture(harness: harness, alice: alice, bob: bob, carol: carol, group: group, message: message))
        }
    }

    /// Every JSON mutation route, with a body it would accept from Alice and its first required field.
    struct Route: Sendable {
        let method: String
        let path: String
        let firstRequiredField: String?
        let body: @Sendable (Fixture) -> String
    }

    static let routes: [Route] = [
        Route(method: "POST", path: "/chat/create", firstRequiredField: "type") { #"{"type":"GROUP","memberUUIDs":["\#($0.bob.id)"]}"# },
        Route(method: "POST", path: "/chat/members", firstRequiredField: "chatUUID") { #"{"chatUUID":"\#($0.group)","userUUID":"\#($0.carol.id)"}"# },
        Route(method: "DELETE", path: "/chat/members", firstRequiredField: "chatUUID") { #"{"chatUUID":"\#($0.group)","userUUID":"\#($0.bob.id)"}"# },
        Route(method: "POST", path: "/chat/leave", firstRequiredField: "chatUUID") { #"{"chatUUID":"\#($0.group)"}"# },
        Route(method: "POST", path: "/message", firstRequiredField: "chatUUID") {
            #"{"chatUUID":"\#($0.group)","content":"hi","clientMessageID":"\#(UUID())"}"#
        },
        Route(method: "PATCH", path: "/message", firstRequiredField: "chatUUID") {
            #"{"chatUUID":"\#($0.group)","messageID":\#($0.message),"content":"edited"}"#
        },
        Route(method: "DELETE", path: "/message", firstRequiredField: "chatUUID") { #"{"chatUUID":"\#($0.group)","messageID":\#($0.message)}"# },
        Route(method: "PUT", path: "/message/reaction", firstRequiredField: "chatUUID") {
            #"{"chatUUID":"\#($0.group)","messageID":\#($0.message),"reaction":"👍"}"#
        },
        Route(method: "DELETE", path: "/message/reaction", firstRequiredField: "chatUUID") {
            #"{"chatUUID":"\#($0.group)","messageID":\#($0.message),"reaction":"👍"}"#
        },
        Route(method: "PUT", path: "/message/pin", firstRequiredField: "chatUUID") { #"{"chatUUID":"\#($0.group)","messageID":\#($0.message)}"# },
        Route(method: "DELETE", path: "/message/pin", firstRequiredField: "chatUUID") { #"{"chatUUID":"\#($0.group)","messageID":\#($0.message)}"# },
        Route(method: "PATCH", path: "/user/profile", firstRequiredField: nil) { _ in #"{"biography":"hello"}"# },
        Route(method: "PUT", path: "/chat/pin", firstRequiredField: "chatUUID") { #"{"chatUUID":"\#($0.group)","position":1}"# },
        Route(method: "DELETE", path: "/chat/pin", firstRequiredField: "chatUUID") { #"{"chatUUID":"\#($0.group)"}"# },
        Route(method: "PUT", path: "/chat/mute", firstRequiredField: "chatUUID") { #"{"chatUUID":"\#($0.group)"}"# },
        Route(method: "DELETE", path: "/chat/mute", firstRequiredField: "chatUUID") { #"{"chatUUID":"\#($0.group)"}"# },
        Route(method: "PUT", path: "/user/theme", firstRequiredField: "theme") { _ in #"{"theme":"dark"}"# },
        Route(method: "PUT", path: "/folder", firstRequiredField: "folderID") { #"{"folderID":"work","name":"Work","chatUUIDs":["\#($0.group)"]}"# },
        Route(method: "DELETE", path: "/folder", firstRequiredField: "folderID") { _ in #"{"folderID":"work"}"# },
        Route(method: "PATCH", path: "/notification/push-token", firstRequiredField: "pushToken") { _ in #"{"pushToken":"token-1"}"# },
        Route(method: "DELETE", path: "/notification/push-token", firstRequiredField: nil) { _ in "{}" },
    ]

    enum Caller: Sendable {
        case alice
        case anonymous
        case token(String)
    }

    struct BadCase: Sendable, CustomStringConvertible {
        let label: String
        let method: String
        let path: String
        let json: String?
        let headers: [String: String]
        let caller: Caller
        let status: Int
        let code: String
        /// A word the error message must contain (the offending field).
        let mentions: String?

        init(
            _ label: String, _ method: String, _ path: String, json: String?, headers: [String: String] = [:],
            caller: Caller = .alice, _ status: Int, _ code: String, mentions: String? = nil
        ) {
            self.label = label
            self.method = method
            self.path = path
            self.json = json
            self.headers = headers
            self.caller = caller
            self.status = status
            self.code = code
            self.mentions = mentions
        }

        init(
            _ label: String, _ route: Route, json: String?, headers: [String: String] = [:], caller: Caller = .alice,
            _ status: Int, _ code: String, mentions: String? = nil
        ) {
            self.init(label, route.method, route.path, json: json, headers: headers, caller: caller, status, code, mentions: mentions)
        }

        var description: String { "\(method) \(path) with \(label) → \(status) \(code)" }
    }

    /// Sends each case, expects its exact refusal in the envelope, and that nothing was written: the
    /// fingerprint is taken before the first case and after each one, or (`perCase: false`, for refusals that
    /// come before any database work: parsing, size, type, token) once after all of them.
    static func check(_ cases: [BadCase], on f: Fixture, perCase: Bool = true) async throws {
        var fingerprint = try await f.harness.writeFingerprint()
        for badCase in cases {
            var headers = badCase.headers
            var user: TestUser?
            switch badCase.caller {
            case .alice: user = f.alice
            case .anonymous: user = nil
            case .token(let token): headers["Authorization"] = "Bearer \(token)"
            }
            if headers["Authorization"] != nil { user = nil }
            let answer = try await f.harness.call(badCase.method, badCase.path, as: user, json: badCase.json, headers: headers)
            let refused = expectRefusal(answer, status: badCase.status, code: badCase.code, badCase.description)
            if refused, let word = badCase.mentions {
                #expect(answer.errorMessage?.contains(word) == true, "\(badCase): the message should name \(word): \(answer.body.prefix(300))")
            }
            if perCase {
                let after = try await f.harness.writeFingerprint()
                let changed = changedTables(fingerprint, after)
                #expect(changed.isEmpty, "\(badCase): the refused request wrote to \(changed)")
                fingerprint = after
            }
        }
        if !perCase {
            let changed = changedTables(fingerprint, try await f.harness.writeFingerprint())
            #expect(changed.isEmpty, "one of \(cases.count) refused requests wrote to \(changed)")
        }
    }

    /// The exact refusal, in the `{success:false, error:{code, message}}` envelope, never a 5xx, and no
    /// internal detail in the message. Returns whether the status and code were the expected ones.
    @discardableResult
    static func expectRefusal(
        _ answer: APIAnswer, status: Int, code: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) -> Bool {
        guard answer.status < 500 else {
            Issue.record("\(label): server error \(answer.status) \(answer.body.prefix(300))", sourceLocation: sourceLocation)
            return false
        }
        guard answer.status == status, answer.errorCode == code else {
            Issue.record("\(label): got \(answer.status) \(answer.errorCode ?? "-") — \(answer.body.prefix(300))", sourceLocation: sourceLocation)
            return false
        }
        guard case .object(let error)? = answer.json["error"], case .string(let message)? = error["message"] else {
            Issue.record("\(label): no error envelope in \(answer.body.prefix(300))", sourceLocation: sourceLocation)
            return false
        }
        #expect(
            answer.json["success"] == .bool(false) && Set(answer.json.keys) == ["success", "error"] && Set(error.keys) == ["code", "message"],
            "\(label): not the error envelope: \(answer.body.prefix(300))", sourceLocation: sourceLocation)
        #expect(!message.isEmpty, "\(label): empty error message", sourceLocation: sourceLocation)
        for leak in ["PSQL", "SQLSTATE", "novyse.", "DecodingError", "Swift.", "NIO"] {
            #expect(!message.contains(leak), "\(label): internal detail in \(message)", sourceLocation: sourceLocation)
        }
        return true
    }

    /// The tables whose line differs between two `writeFingerprint()`s.
    static func changedTables(_ before: String, _ after: String) -> [String] {
        let old = Set(before.split(separator: "\n"))
        return after.split(separator: "\n").filter { !old.contains($0) }.map { String($0.prefix { $0 != "=" }) }
    }

    /// `{…, extra}` from `{…}` (or `{extra}` from `{}`).
    static func adding(_ member: String, to object: String) -> String {
        let inner = object.dropFirst().dropLast()
        return "{" + inner + (inner.isEmpty ? "" : ",") + member + "}"
    }

    /// Base64url without padding, as in a JWT.
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
