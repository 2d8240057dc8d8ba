import Foundation
import NovyseCore
import TestSupport
import Testing

/// The served OpenAPI description parses, names every route the service answers, and its schemas'
/// required keys are the keys of real answers.
@Suite("Query OpenAPI")
struct QueryOpenAPITests {
    @Test("the description matches the routes and the answers")
    func document() async throws {
        try await QueryFixture.with { fixture in
            let served = try await fixture.get("/openapi.json", as: nil)
            #expect(served.status == 200)
            let document = try JSONDecoder().decode(JSONValue.self, from: Data(served.body.utf8))
            let paths = document.object?["paths"]?.object ?? [:]
            #expect(Set(paths.keys) == ["/user/initialize", "/user/update", "/chat/history", "/chat/members"])
            let schemas = document.object?["components"]?.object?["schemas"]?.object ?? [:]
            func required(_ name: String, _ path: [String] = []) -> Set<String> {
                var schema = schemas[name]
                for key in path { schema = schema?.object?["properties"]?.object?[key] }
                return Set((schema?.object?["required"]?.array ?? []).compactMap(\.string))
            }
            let user = try await fixture.command.user("reader")
            try await fixture.project()
            let initialize = try await fixture.initialize(user)
            #expect(required("InitializeAnswer", ["data"]) == Set(initialize.keys))
            #expect(required("Local") == Set(initialize["local"]?.object?.keys ?? [:].keys))
            let update = try await fixture.update(user, body: #"{"local":{"eventID":0}}"#)
            #expect(required("UpdateAnswer", ["data"]) == Set(update.keys))
            #expect(required("User") == Set(initialize["users"]?.objects?.first?.keys ?? [:].keys))
        }
    }
}
