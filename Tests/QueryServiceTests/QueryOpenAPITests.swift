import Foundation
import NovyseCore
import TestSupport
import Testing

/// The served OpenAPI description names every route, and real answers of every kind hold to its schemas:
/// the answers are JSON Postgres renders (`novyse.*_json`), the schemas are derived from `SyncWire`'s
/// types, so this is what keeps the two from drifting apart. A key an answer has and its type lacks, a
/// required key it lacks, a wrong JSON type, an event type the enum doesn't name: each fails here.
@Suite("Query OpenAPI")
struct QueryOpenAPITests {
    @Test("the description names the routes, and the update request's example holds to it")
    func document() async throws {
        try await QueryFixture.with { fixture in
            let document = try await Self.document(fixture)
            let paths = document.object?["paths"]?.object ?? [:]
            #expect(Set(paths.keys) == ["/user/initialize", "/user/update", "/chat/history", "/chat/members"])
            let checker = SchemaChecker(document: document)
            let example = try #require(SyncWire.UpdateRequest.example)
            let encoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(example))
            #expect(checker.violations(of: encoded, against: "UpdateRequest") == [])
            #expect(checker.violations(of: ["limit": .null], against: "UpdateRequest") != [], "null limit is refused")
        }
    }

    @Test("initialize, update (every event type, removals, localState), history and members hold to their schemas")
    func answers() async throws {
        try await QueryFixture.with { fixture in
            let checker = SchemaChecker(document: try await Self.document(fixture))
            func expectValid(_ answer: APIAnswer, _ schema: String, _ what: String) throws {
                #expect(answer.status == 200, "\(what): \(answer.status) \(answer.body.prefix(300))")
                let value = try JSONDecoder().decode(JSONValue.self, from: Data(answer.body.utf8))
                let violations = checker.violations(of: value, against: schema)
                #expect(violations == [], "\(what)")
            }

            let world = try await Scenario.make(fixture)
            try await fixture.project()
            let aliceDevice = try await fixture.freshDevice(world.alice)
            let bobDevice = try await fixture.freshDevice(world.bob)
            let initialize = try await fixture.get("/user/initialize", as: world.alice)
            try expectValid(initialize, "InitializeAnswer", "initialize")
            // The schemas are strict down to the nested objects: one extra key in one message is refused.
            var tampered = try JSONDecoder().decode(JSONValue.self, from: Data(initialize.body.utf8))
            if case .object(var root) = tampered, case .object(var data)? = root["data"], case .array(var messages)? = data["messages"],
                case .object(var first)? = messages.first
            {
                first["senderName"] = "alice"
                messages[0] = .object(first)
                data["messages"] = .array(messages)
                root["data"] = .object(data)
                tampered = .object(root)
            }
            #expect(checker.violations(of: tampered, against: "InitializeAnswer").count == 1)
            try expectValid(try await fixture.get("/user/initialize?limit=1", as: world.bob), "InitializeAnswer", "initialize, one page")

            try await world.offlineRound(1)
            try await world.membershipChanges()
            try await fixture.project()
            var covered = Set<String>()
            var editsTampered = 0
            for (name, user, device) in [("alice", world.alice, aliceDevice), ("bob", world.bob, bobDevice)] {
                let answer = try await fixture.request("POST", "/user/update", as: user, body: device.updateBody())
                try expectValid(answer, "UpdateAnswer", "\(name)'s update")
                covered.formUnion(Self.nonEmptyLists(answer.data))
                let value = try JSONDecoder().decode(JSONValue.self, from: Data(answer.body.utf8))
                let renamed = Self.renaming(value, type: "MESSAGE_EDITED", to: "MESSAGE_MOVED")
                if renamed != value {
                    editsTampered += 1
                    #expect(checker.violations(of: renamed, against: "UpdateAnswer") != [], "an event type the enum lacks is refused")
                }
            }
            #expect(editsTampered > 0, "no update had an edit to rename")
            // A local cursor from the future: the private state comes back whole, as `localState`.
            var stale = aliceDevice
            stale.local?.eventID = 9_000_000_000
            let reset = try await fixture.request("POST", "/user/update", as: world.alice, body: stale.updateBody())
            try expectValid(reset, "UpdateAnswer", "update after a bad local cursor")
            #expect(reset.data["localState"]?.object != nil)
            for list in ["chats.new", "chats.events", "chats.removed", "users.events", "messages", "local"] {
                #expect(covered.contains(list), "no update answer had a non-empty \(list), so its schema went unchecked")
            }

            let history = try await fixture.get("/chat/history?chatUUID=\(world.group.uuidString)&limit=5", as: world.alice)
            try expectValid(history, "HistoryAnswer", "history")
            #expect(history.data["messages"]?.array?.isEmpty == false)
            let members = try await fixture.get("/chat/members?chatUUID=\(world.group.uuidString)&limit=2", as: world.alice)
            try expectValid(members, "MembersAnswer", "members")
            #expect(members.data["members"]?.array?.isEmpty == false)

            let refused = try await fixture.get("/chat/history?chatUUID=\(world.group.uuidString)&limit=0", as: world.alice)
            #expect(refused.status == 400)
            let envelope = try JSONDecoder().decode(JSONValue.self, from: Data(refused.body.utf8))
            #expect(checker.violations(of: envelope, against: "ErrorEnvelope") == [], "error envelope")
        }
    }

    static func document(_ fixture: QueryFixture) async throws -> JSONValue {
        let served = try await fixture.get("/openapi.json", as: nil)
        #expect(served.status == 200)
        return try JSONDecoder().decode(JSONValue.self, from: Data(served.body.utf8))
    }

    /// `value` with every object whose `type` is `type` given the type `replacement`.
    static func renaming(_ value: JSONValue, type: String, to replacement: String) -> JSONValue {
        switch value {
        case .array(let items): return .array(items.map { renaming($0, type: type, to: replacement) })
        case .object(var fields):
            fields = fields.mapValues { renaming($0, type: type, to: replacement) }
            if fields["type"] == .string(type) { fields["type"] = .string(replacement) }
            return .object(fields)
        default: return value
        }
    }

    /// The update answer's lists that hold something, as `chats.new`, `messages`, …
    static func nonEmptyLists(_ data: [String: JSONValue]) -> Set<String> {
        var lists = Set<String>()
        for (key, value) in data {
            if let items = value.array, !items.isEmpty { lists.insert(key) }
            for (inner, list) in value.object ?? [:] where list.array?.isEmpty == false { lists.insert("\(key).\(inner)") }
        }
        return lists
    }
}
