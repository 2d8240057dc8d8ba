import Foundation
import NovyseCore
import NovyseService
import TestSupport
import Testing

/// Every class of bad input gets its 4xx and a stable code in the error envelope, and writes nothing
/// (`writeFingerprint()` unchanged); nothing ever answers 5xx. Against the command router in process
/// (`InProcessCommand`: the binary's routes and middleware, on a real database and Redis).
///
/// Each test owns one service and walks a table of requests; a failing row names itself.
@Suite("Bad input")
struct BadInputTests {
    // MARK: Body syntax and shape

    @Test("malformed JSON, non-object bodies, missing and unknown fields, on every route")
    func bodySyntax() async throws {
        try await Self.withFixture { f in
            var cases: [BadCase] = []
            for route in Self.routes {
                let valid = route.body(f)
                cases += [
                    BadCase("malformed JSON", route, json: "{\"chatUUID\":", 400, "INVALID_JSON"),
                    BadCase("not JSON at all", route, json: "hello", 400, "INVALID_JSON"),
                    BadCase(
                        "nested 20000 deep", route, json: String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000), 400,
                        "INVALID_JSON"),
                    BadCase("a JSON array", route, json: "[]", 400, "INVALID_BODY"),
                    BadCase("an array of the valid body", route, json: "[\(valid)]", 400, "INVALID_BODY"),
                    BadCase("a JSON string", route, json: "\"hello\"", 400, "INVALID_BODY"),
                    BadCase("a JSON number", route, json: "42", 400, "INVALID_BODY"),
                    BadCase("JSON null", route, json: "null", 400, "INVALID_BODY"),
                    BadCase("an unknown field", route, json: Self.adding(#""zzz":1"#, to: valid), 400, "UNKNOWN_FIELD", mentions: "zzz"),
                ]
                if route.path != "/notification/push-token" || route.method != "DELETE" {
                    // DELETE /notification/push-token takes no fields, so an empty body is its valid body.
                    cases.append(BadCase("an empty body", route, json: "", 400, "INVALID_BODY"))
                }
                if let field = route.firstRequiredField {
                    cases.append(BadCase("{} (missing \(field))", route, json: "{}", 400, "INVALID_BODY", mentions: field))
                }
            }
            try await Self.check(cases, on: f, perCase: false)
        }
    }

    @Test("wrong types, invalid UUIDs, missing and misspelt fields name the field")
    func fieldTypes() async throws {
        try await Self.withFixture { f in
            let g = f.group.uuidString
            let m = f.message
            let cases: [BadCase] = [
                BadCase(
                    "messageID as a string", "PATCH", "/message", json: #"{"chatUUID":"\#(g)","messageID":"\#(m)","content":"x"}"#, 400,
                    "INVALID_BODY", mentions: "messageID"),
                BadCase(
                    "messageID as a string", "DELETE", "/message", json: #"{"chatUUID":"\#(g)","messageID":"12"}"#, 400, "INVALID_BODY",
                    mentions: "messageID"),
                BadCase(
                    "messageID null", "PUT", "/message/pin", json: #"{"chatUUID":"\#(g)","messageID":null}"#, 400, "INVALID_BODY",
                    mentions: "messageID"),
                BadCase(
                    "messageID a fraction", "PUT", "/message/pin", json: #"{"chatUUID":"\#(g)","messageID":1.5}"#, 400, "INVALID_BODY",
                    mentions: "messageID"),
                BadCase(
                    "messageID beyond Int64", "DELETE", "/message", json: #"{"chatUUID":"\#(g)","messageID":99999999999999999999}"#, 400,
                    "INVALID_BODY", mentions: "messageID"),
                BadCase(
                    "content as a number", "POST", "/message", json: #"{"chatUUID":"\#(g)","content":5,"clientMessageID":"\#(UUID())"}"#, 400,
                    "INVALID_BODY", mentions: "content"),
                BadCase(
                    "content as an object", "PATCH", "/message", json: #"{"chatUUID":"\#(g)","messageID":\#(m),"content":{"text":"x"}}"#, 400,
                    "INVALID_BODY", mentions: "content"),
                BadCase(
                    "reaction as a number", "PUT", "/message/reaction", json: #"{"chatUUID":"\#(g)","messageID":\#(m),"reaction":1}"#, 400,
                    "INVALID_BODY", mentions: "reaction"),
                BadCase(
                    "position as a string", "PUT", "/chat/pin", json: #"{"chatUUID":"\#(g)","position":"1"}"#, 400, "INVALID_BODY",
                    mentions: "position"),
                BadCase("theme as a boolean", "PUT", "/user/theme", json: #"{"theme":true}"#, 400, "INVALID_BODY", mentions: "theme"),
                BadCase(
                    "memberUUIDs as a string", "POST", "/chat/create", json: #"{"type":"GROUP","memberUUIDs":"\#(f.bob.id)"}"#, 400, "INVALID_BODY",
                    mentions: "memberUUIDs"),
                BadCase(
                    "an unknown chat type", "POST", "/chat/create", json: #"{"type":"SECRET","memberUUIDs":[]}"#, 400, "INVALID_BODY",
                    mentions: "type"),
                BadCase(
                    "a lower-case chat type", "POST", "/chat/create", json: #"{"type":"group","memberUUIDs":[]}"#, 400, "INVALID_BODY",
                    mentions: "type"),
                BadCase(
                    "chatUUIDs of numbers", "PUT", "/folder", json: #"{"folderID":"f","name":"n","chatUUIDs":[1]}"#, 400, "INVALID_BODY",
                    mentions: "chatUUIDs"),
                BadCase("until as a number", "PUT", "/chat/mute", json: #"{"chatUUID":"\#(g)","until":1}"#, 400, "INVALID_BODY", mentions: "until"),
                // Invalid UUIDs are wrong values of a typed field.
                BadCase(
                    "chatUUID not a UUID", "POST", "/message", json: #"{"chatUUID":"not-a-uuid","content":"x","clientMessageID":"\#(UUID())"}"#, 400,
                    "INVALID_BODY", mentions: "chatUUID"),
                BadCase("chatUUID empty", "POST", "/chat/leave", json: #"{"chatUUID":""}"#, 400, "INVALID_BODY", mentions: "chatUUID"),
                BadCase(
                    "chatUUID too short", "PUT", "/chat/mute", json: #"{"chatUUID":"\#(g.dropLast())"}"#, 400, "INVALID_BODY", mentions: "chatUUID"),
                BadCase(
                    "clientMessageID not a UUID", "POST", "/message", json: #"{"chatUUID":"\#(g)","content":"x","clientMessageID":"123"}"#, 400,
                    "INVALID_BODY", mentions: "clientMessageID"),
                BadCase(
                    "a member not a UUID", "POST", "/chat/create", json: #"{"type":"GROUP","memberUUIDs":["zzz"]}"#, 400, "INVALID_BODY",
                    mentions: "memberUUIDs"),
                BadCase(
                    "userUUID not a UUID", "POST", "/chat/members", json: #"{"chatUUID":"\#(g)","userUUID":"x"}"#, 400, "INVALID_BODY",
                    mentions: "userUUID"),
                BadCase(
                    "a folder chat not a UUID", "PUT", "/folder", json: #"{"folderID":"f","name":"n","chatUUIDs":["x"]}"#, 400, "INVALID_BODY",
                    mentions: "chatUUIDs"),
                // Missing fields beyond the first.
                BadCase(
                    "no clientMessageID", "POST", "/message", json: #"{"chatUUID":"\#(g)","content":"x"}"#, 400, "INVALID_BODY",
                    mentions: "clientMessageID"),
                BadCase(
                    "no content", "PATCH", "/message", json: #"{"chatUUID":"\#(g)","messageID":\#(m)}"#, 400, "INVALID_BODY", mentions: "content"),
                BadCase(
                    "no reaction", "PUT", "/message/reaction", json: #"{"chatUUID":"\#(g)","messageID":\#(m)}"#, 400, "INVALID_BODY",
                    mentions: "reaction"),
                BadCase("no position", "PUT", "/chat/pin", json: #"{"chatUUID":"\#(g)"}"#, 400, "INVALID_BODY", mentions: "position"),
                BadCase("no memberUUIDs", "POST", "/chat/create", json: #"{"type":"GROUP"}"#, 400, "INVALID_BODY", mentions: "memberUUIDs"),
                BadCase("no chatUUIDs", "PUT", "/folder", json: #"{"folderID":"f","name":"n"}"#, 400, "INVALID_BODY", mentions: "chatUUIDs"),
                BadCase("no userUUID", "DELETE", "/chat/members", json: #"{"chatUUID":"\#(g)"}"#, 400, "INVALID_BODY", mentions: "userUUID"),
                // Unknown fields: a misspelling is an error, not an ignored key.
                BadCase("a misspelt field", "POST", "/chat/leave", json: #"{"chatUuid":"\#(g)"}"#, 400, "UNKNOWN_FIELD", mentions: "chatUuid"),
                BadCase(
                    "a field of another request", "PUT", "/chat/mute", json: #"{"chatUUID":"\#(g)","position":1}"#, 400, "UNKNOWN_FIELD",
                    mentions: "position"),
                BadCase(
                    "a field on a field-less request", "DELETE", "/notification/push-token", json: #"{"pushToken":"t"}"#, 400, "UNKNOWN_FIELD",
                    mentions: "pushToken"),
            ]
            try await Self.check(cases, on: f, perCase: false)
        }
    }

    // MARK: Field values

    @Test("empty, too long or invalid values: content, message IDs, reactions, names, settings, DM shape")
    func values() async throws {
        try await Self.withFixture { f in
            let g = f.group.uuidString
            let m = f.message
            func send(_ content: String) -> String {
                #"{"chatUUID":"\#(g)","content":"\#(content)","clientMessageID":"\#(UUID())"}"#
            }
            func edit(_ content: String) -> String { #"{"chatUUID":"\#(g)","messageID":\#(m),"content":"\#(content)"}"# }
            func react(_ reaction: String) -> String { #"{"chatUUID":"\#(g)","messageID":\#(m),"reaction":"\#(reaction)"}"# }
            func group(name: String) -> String { #"{"type":"GROUP","memberUUIDs":["\#(f.bob.id)"],"name":"\#(name)"}"# }
            let tooLong = String(repeating: "a", count: 4001)
            let randomMembers = (0..<501).map { _ in "\"\(UUID())\"" }.joined(separator: ",")
            var cases: [BadCase] = [
                BadCase("empty content", "POST", "/message", json: send(""), 400, "INVALID_FIELD", mentions: "content"),
                BadCase("whitespace-only content", "POST", "/message", json: send(#"  \n\t \u00a0"#), 400, "INVALID_FIELD", mentions: "content"),
                BadCase("4001 characters", "POST", "/message", json: send(tooLong), 400, "CONTENT_TOO_LONG"),
                BadCase("4001 emoji", "POST", "/message", json: send(String(repeating: "👍", count: 4001)), 400, "CONTENT_TOO_LONG"),
                BadCase("content with a NUL character", "POST", "/message", json: send(#"a\u0000b"#), 400, "INVALID_FIELD", mentions: "content"),
                BadCase("edit to empty content", "PATCH", "/message", json: edit(""), 400, "INVALID_FIELD", mentions: "content"),
                BadCase("edit to whitespace", "PATCH", "/message", json: edit(#" \r\n "#), 400, "INVALID_FIELD", mentions: "content"),
                BadCase("edit to 4001 characters", "PATCH", "/message", json: edit(tooLong), 400, "CONTENT_TOO_LONG"),
                BadCase(
                    "edit to content with a NUL character", "PATCH", "/message", json: edit(#"a\u0000b"#), 400, "INVALID_FIELD", mentions: "content"),

                BadCase("empty reaction", "PUT", "/message/reaction", json: react(""), 400, "INVALID_FIELD", mentions: "reaction"),
                BadCase(
                    "33-byte reaction", "PUT", "/message/reaction", json: react(String(repeating: "x", count: 33)), 400, "INVALID_FIELD",
                    mentions: "reaction"),
                BadCase(
                    "33 emoji (33 code points)", "PUT", "/message/reaction", json: react(String(repeating: "😀", count: 33)), 400, "INVALID_FIELD",
                    mentions: "reaction"),
                BadCase(
                    "a 2000-character reaction", "DELETE", "/message/reaction", json: react(String(repeating: "ab", count: 1000)), 400,
                    "INVALID_FIELD", mentions: "reaction"),
                BadCase("a reaction with a space", "PUT", "/message/reaction", json: react("a b"), 400, "INVALID_FIELD", mentions: "reaction"),
                BadCase("a reaction with a newline", "PUT", "/message/reaction", json: react(#"a\n"#), 400, "INVALID_FIELD", mentions: "reaction"),
                BadCase(
                    "a control-character reaction", "PUT", "/message/reaction", json: react(#"\u0007"#), 400, "INVALID_FIELD", mentions: "reaction"),
                BadCase("a NUL reaction", "DELETE", "/message/reaction", json: react(#"\u0000"#), 400, "INVALID_FIELD", mentions: "reaction"),

                BadCase("empty group name", "POST", "/chat/create", json: group(name: ""), 400, "INVALID_FIELD", mentions: "name"),
                BadCase("blank group name", "POST", "/chat/create", json: group(name: "   "), 400, "INVALID_FIELD", mentions: "name"),
                BadCase(
                    "129-character group name", "POST", "/chat/create", json: group(name: String(repeating: "n", count: 129)), 400, "INVALID_FIELD",
                    mentions: "name"),
                BadCase(
                    "group name with a NUL character", "POST", "/chat/create", json: group(name: #"a\u0000b"#), 400, "INVALID_FIELD", mentions: "name"
                ),
                BadCase(
                    "501 group members", "POST", "/chat/create", json: #"{"type":"GROUP","memberUUIDs":[\#(randomMembers)]}"#, 400, "INVALID_FIELD",
                    mentions: "memberUUIDs"),
                BadCase(
                    "a DM with two members", "POST", "/chat/create", json: #"{"type":"DM","memberUUIDs":["\#(f.bob.id)","\#(f.carol.id)"]}"#, 400,
                    "INVALID_FIELD", mentions: "memberUUIDs"),
                BadCase(
                    "a DM with a name", "POST", "/chat/create", json: #"{"type":"DM","memberUUIDs":["\#(f.carol.id)"],"name":"us"}"#, 400,
                    "INVALID_FIELD", mentions: "name"),
                BadCase(
                    "a DM with nobody", "POST", "/chat/create", json: #"{"type":"DM","memberUUIDs":[]}"#, 400, "INVALID_FIELD",
                    mentions: "memberUUIDs"),
                BadCase(
                    "a DM with oneself", "POST", "/chat/create", json: #"{"type":"DM","memberUUIDs":["\#(f.alice.id)"]}"#, 400, "INVALID_FIELD",
                    mentions: "memberUUIDs"),

                BadCase(
                    "chat pin position -1", "PUT", "/chat/pin", json: #"{"chatUUID":"\#(g)","position":-1}"#, 400, "INVALID_FIELD",
                    mentions: "position"),
                BadCase(
                    "chat pin position 10001", "PUT", "/chat/pin", json: #"{"chatUUID":"\#(g)","position":10001}"#, 400, "INVALID_FIELD",
                    mentions: "position"),
                BadCase(
                    "mute until a non-date", "PUT", "/chat/mute", json: #"{"chatUUID":"\#(g)","until":"tomorrow"}"#, 400, "INVALID_FIELD",
                    mentions: "until"),
                BadCase(
                    "mute until the past", "PUT", "/chat/mute", json: #"{"chatUUID":"\#(g)","until":"2000-01-01T00:00:00.000Z"}"#, 400,
                    "INVALID_FIELD", mentions: "until"),
                BadCase("empty theme", "PUT", "/user/theme", json: #"{"theme":""}"#, 400, "INVALID_FIELD", mentions: "theme"),
                BadCase("theme with a space", "PUT", "/user/theme", json: #"{"theme":"dark mode"}"#, 400, "INVALID_FIELD", mentions: "theme"),
                BadCase(
                    "33-character theme", "PUT", "/user/theme", json: #"{"theme":"\#(String(repeating: "t", count: 33))"}"#, 400, "INVALID_FIELD",
                    mentions: "theme"),
                BadCase(
                    "empty folder ID", "PUT", "/folder", json: #"{"folderID":"","name":"n","chatUUIDs":[]}"#, 400, "INVALID_FIELD",
                    mentions: "folderID"),
                BadCase(
                    "65-character folder ID", "PUT", "/folder",
                    json: #"{"folderID":"\#(String(repeating: "f", count: 65))","name":"n","chatUUIDs":[]}"#, 400, "INVALID_FIELD",
                    mentions: "folderID"),
                BadCase(
                    "folder ID with a control character", "DELETE", "/folder", json: #"{"folderID":"a\u0001"}"#, 400, "INVALID_FIELD",
                    mentions: "folderID"),
                BadCase(
                    "empty folder name", "PUT", "/folder", json: #"{"folderID":"f","name":"","chatUUIDs":[]}"#, 400, "INVALID_FIELD", mentions: "name"
                ),
                BadCase(
                    "folder name with a NUL character", "PUT", "/folder", json: #"{"folderID":"f","name":"a\u0000b","chatUUIDs":[]}"#, 400,
                    "INVALID_FIELD", mentions: "name"),
                BadCase(
                    "a folder of 501 chats", "PUT", "/folder", json: #"{"folderID":"f","name":"n","chatUUIDs":[\#(randomMembers)]}"#, 400,
                    "INVALID_FIELD", mentions: "chatUUIDs"),
                BadCase(
                    "empty push token", "PATCH", "/notification/push-token", json: #"{"pushToken":""}"#, 400, "INVALID_FIELD", mentions: "pushToken"),
                BadCase(
                    "push token with a space", "PATCH", "/notification/push-token", json: #"{"pushToken":"a b"}"#, 400, "INVALID_FIELD",
                    mentions: "pushToken"),
                BadCase(
                    "push token with a NUL character", "PATCH", "/notification/push-token", json: #"{"pushToken":"a\u0000b"}"#, 400, "INVALID_FIELD",
                    mentions: "pushToken"),
                BadCase(
                    "push token beyond ASCII", "PATCH", "/notification/push-token", json: #"{"pushToken":"tok\u00e9n"}"#, 400, "INVALID_FIELD",
                    mentions: "pushToken"),
                BadCase(
                    "4097-byte push token", "PATCH", "/notification/push-token", json: #"{"pushToken":"\#(String(repeating: "p", count: 4097))"}"#,
                    400, "INVALID_FIELD", mentions: "pushToken"),
            ]
            for (method, path) in [
                ("PATCH", "/message"), ("DELETE", "/message"), ("PUT", "/message/reaction"),
                ("DELETE", "/message/reaction"), ("PUT", "/message/pin"), ("DELETE", "/message/pin"),
            ] {
                for id in [0, -1, Int64.min] {
                    var body = #"{"chatUUID":"\#(g)","messageID":\#(id)"#
                    if path == "/message/reaction" { body += #","reaction":"x""# }
                    if method == "PATCH" { body += #","content":"x""# }
                    cases.append(BadCase("messageID \(id)", method, path, json: body + "}", 400, "INVALID_FIELD", mentions: "messageID"))
                }
            }
            try await Self.check(cases, on: f)

            // The limits are where they say: exactly 4000 characters is accepted.
            let longest = try await f.harness.call("POST", "/message", as: f.alice, json: send(String(repeating: "é", count: 4000)))
            #expect(longest.status == 200, "4000 characters must be accepted: \(longest.status) \(longest.body)")
            // Lengths count code points, as the schema's maxLength does: 32 four-byte emoji (128 bytes) is a
            // valid reaction, to add and to remove.
            for method in ["PUT", "DELETE"] {
                let widest = try await f.harness.call(method, "/message/reaction", as: f.alice, json: react(String(repeating: "😀", count: 32)))
                #expect(widest.status == 200, "\(method) a 32-code-point reaction must be accepted: \(widest.status) \(widest.body)")
            }
        }
    }

    @Test("profile patches: unknown fields, nothing to change, bad birthday, color, name, handle, pictures")
    func profiles() async throws {
        try await Self.withFixture { f in
            let cases: [BadCase] = [
                BadCase("an unknown field", "PATCH", "/user/profile", json: #"{"nickname":"x"}"#, 400, "UNKNOWN_FIELD", mentions: "nickname"),
                BadCase(
                    "a known and an unknown field", "PATCH", "/user/profile", json: #"{"name":"Ann","nickname":"x"}"#, 400, "UNKNOWN_FIELD",
                    mentions: "nickname"),
                BadCase("a wire name of an event", "PATCH", "/user/profile", json: #"{"NAME_CHANGED":"x"}"#, 400, "UNKNOWN_FIELD"),
                BadCase("an empty object", "PATCH", "/user/profile", json: "{}", 400, "EMPTY_UPDATE"),
                BadCase(
                    "birthday 30 February", "PATCH", "/user/profile", json: #"{"birthday":"2020-02-30"}"#, 400, "INVALID_FIELD", mentions: "birthday"),
                BadCase(
                    "birthday 29 February of a common year", "PATCH", "/user/profile", json: #"{"birthday":"2023-02-29"}"#, 400, "INVALID_FIELD",
                    mentions: "birthday"),
                BadCase(
                    "birthday before 1900", "PATCH", "/user/profile", json: #"{"birthday":"1899-12-31"}"#, 400, "INVALID_FIELD", mentions: "birthday"),
                BadCase(
                    "birthday in the future", "PATCH", "/user/profile", json: #"{"birthday":"2099-01-01"}"#, 400, "INVALID_FIELD",
                    mentions: "birthday"),
                BadCase(
                    "birthday day-first", "PATCH", "/user/profile", json: #"{"birthday":"31/12/1990"}"#, 400, "INVALID_FIELD", mentions: "birthday"),
                BadCase("birthday unpadded", "PATCH", "/user/profile", json: #"{"birthday":"1990-1-1"}"#, 400, "INVALID_FIELD", mentions: "birthday"),
                BadCase(
                    "birthday a timestamp", "PATCH", "/user/profile", json: #"{"birthday":"1990-01-01T00:00:00.000Z"}"#, 400, "INVALID_FIELD",
                    mentions: "birthday"),
                BadCase("birthday a number", "PATCH", "/user/profile", json: #"{"birthday":19900101}"#, 400, "INVALID_FIELD", mentions: "birthday"),
                BadCase("color by name", "PATCH", "/user/profile", json: #"{"color":"red"}"#, 400, "INVALID_FIELD", mentions: "color"),
                BadCase("color too short", "PATCH", "/user/profile", json: ##"{"color":"#12345"}"##, 400, "INVALID_FIELD", mentions: "color"),
                BadCase("color not hex", "PATCH", "/user/profile", json: ##"{"color":"#GGGGGG"}"##, 400, "INVALID_FIELD", mentions: "color"),
                BadCase("color without #", "PATCH", "/user/profile", json: #"{"color":"123456"}"#, 400, "INVALID_FIELD", mentions: "color"),
                BadCase("color a number", "PATCH", "/user/profile", json: #"{"color":16711680}"#, 400, "INVALID_FIELD", mentions: "color"),
                BadCase("null name", "PATCH", "/user/profile", json: #"{"name":null}"#, 400, "INVALID_FIELD", mentions: "name"),
                BadCase("empty name", "PATCH", "/user/profile", json: #"{"name":""}"#, 400, "INVALID_FIELD", mentions: "name"),
                BadCase("blank name", "PATCH", "/user/profile", json: #"{"name":"   "}"#, 400, "INVALID_FIELD", mentions: "name"),
                BadCase(
                    "65-character name", "PATCH", "/user/profile", json: #"{"name":"\#(String(repeating: "n", count: 65))"}"#, 400, "INVALID_FIELD",
                    mentions: "name"),
                BadCase("name a number", "PATCH", "/user/profile", json: #"{"name":5}"#, 400, "INVALID_FIELD", mentions: "name"),
                BadCase("null surname", "PATCH", "/user/profile", json: #"{"surname":null}"#, 400, "INVALID_FIELD", mentions: "surname"),
                BadCase(
                    "501-character biography", "PATCH", "/user/profile", json: #"{"biography":"\#(String(repeating: "b", count: 501))"}"#, 400,
                    "INVALID_FIELD", mentions: "biography"),
                BadCase(
                    "biography with a NUL character", "PATCH", "/user/profile", json: #"{"biography":"a\u0000b"}"#, 400, "INVALID_FIELD",
                    mentions: "biography"),
                BadCase("null handle", "PATCH", "/user/profile", json: #"{"handle":null}"#, 400, "INVALID_FIELD", mentions: "handle"),
                BadCase("handle with a space", "PATCH", "/user/profile", json: #"{"handle":"a b c"}"#, 400, "INVALID_FIELD", mentions: "handle"),
                BadCase("handle too short", "PATCH", "/user/profile", json: #"{"handle":"ab"}"#, 400, "INVALID_FIELD", mentions: "handle"),
                BadCase(
                    "handle too long", "PATCH", "/user/profile", json: #"{"handle":"\#(String(repeating: "h", count: 33))"}"#, 400, "INVALID_FIELD",
                    mentions: "handle"),
                BadCase(
                    "handle of someone else", "PATCH", "/user/profile", json: #"{"handle":"\#(f.bob.handle.uppercased())"}"#, 409, "HANDLE_TAKEN"),
                BadCase(
                    "picture not a UUID", "PATCH", "/user/profile", json: #"{"profilePictureUUID":"nope"}"#, 400, "INVALID_FIELD",
                    mentions: "profilePictureUUID"),
                BadCase(
                    "banner a number", "PATCH", "/user/profile", json: #"{"bannerPictureUUID":7}"#, 400, "INVALID_FIELD",
                    mentions: "bannerPictureUUID"),
                // One bad field refuses the whole patch: the good one is not written either.
                BadCase(
                    "a good and a bad field", "PATCH", "/user/profile", json: #"{"biography":"fine","color":"red"}"#, 400, "INVALID_FIELD",
                    mentions: "color"),
            ]
            try await Self.check(cases, on: f)
        }
    }
}
