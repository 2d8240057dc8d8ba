import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import NovyseCore
import NovyseRedis
import NovyseService
import NovyseStorage
import PostgresNIO
import Testing

@testable import CommandService

/// Keeps `GET /openapi.json` honest: the document against the routes the service registers, the
/// `CommandRequest` and result types, and the answers the real route handlers give (run in-process, without
/// servers: every request sent here is refused before it would reach the database).
@Suite("Command OpenAPI description")
struct CommandOpenAPITests {
    @Test("the document is valid OpenAPI 3.1 JSON whose references all resolve")
    func documentIsValid() throws {
        let document = try OpenAPIDocument()
        #expect(document.root["openapi"]?.string?.hasPrefix("3.1") == true)
        #expect(document.root["info"]?["title"]?.string?.isEmpty == false)
        #expect(document.root["info"]?["version"]?.string?.isEmpty == false)
        #expect((document.root["info"]?["description"]?.string?.count ?? 0) > 500)
        for reference in document.root.references() {
            #expect(document.lookup(reference) != nil, "unresolved $ref \(reference)")
        }
        let ids = document.operations.compactMap { $0.node["operationId"]?.string }
        #expect(ids.count == document.operations.count)
        #expect(Set(ids).count == ids.count, "duplicate operationId")
        // Integers stay integers through parsing (the checks below compare them).
        #expect(document.schema("MessageID")["minimum"]?.value == .integer(1))
    }

    @Test("every registered route is documented and every documented operation is registered")
    func routesMatch() async throws {
        try await withCommandRouter { fixture in
            let registered = Set(fixture.router.routes.map { "\($0.method.rawValue) \(normalized($0.path.description))" })
            let documented = Set(try OpenAPIDocument().operations.map { "\($0.method.uppercased()) \(normalized($0.path))" })
            #expect(registered.subtracting(documented).isEmpty, "registered, not documented: \(registered.subtracting(documented).sorted())")
            #expect(documented.subtracting(registered).isEmpty, "documented, not registered: \(documented.subtracting(registered).sorted())")
            #expect(registered.contains("POST /chat/create") && registered.contains("GET /openapi.json"))
        }
    }

    @Test("mutations declare the bearer token, Idempotency-Key and its replay header; admin routes X-Admin-Token")
    func mutationsDeclareHeadersAndSecurity() throws {
        let document = try OpenAPIDocument()
        let schemes = try #require(document.root["components"]?["securitySchemes"])
        #expect(schemes["bearerAuth"]?["type"]?.string == "http")
        #expect(schemes["bearerAuth"]?["scheme"]?.string == "bearer")
        #expect(schemes["bearerAuth"]?["bearerFormat"]?.string == "JWT")
        #expect(schemes["adminToken"]?["type"]?.string == "apiKey")
        #expect(schemes["adminToken"]?["in"]?.string == "header")
        #expect(schemes["adminToken"]?["name"]?.string == AdminRoutes.header.rawName)

        for operation in document.operations {
            let security = operation.node["security"]?.value
            let parameters = (operation.node["parameters"]?.array ?? []).map(document.resolve)
            let idempotencyKey = parameters.first { $0["name"]?.string == "Idempotency-Key" }
            switch operation.kind {
            case .read:
                #expect(security == .array([]), "\(operation) needs no credentials")
            case .admin:
                #expect(security == .array([.object(["adminToken": .array([])])]), "\(operation)")
                #expect(idempotencyKey == nil, "\(operation): the admin routes do not honour Idempotency-Key")
                #expect(document.codes(operation, 401) == ["ADMIN_TOKEN_REQUIRED"], "\(operation)")
            case .mutation:
                #expect(security == .array([.object(["bearerAuth": .array([])])]), "\(operation)")
                #expect(idempotencyKey?["in"]?.string == "header", "\(operation) lacks Idempotency-Key")
                #expect(idempotencyKey?["required"]?.value == .bool(false), "\(operation)")
                #expect(idempotencyKey?["schema"]?["maxLength"]?.value == .integer(Int64(Limits.idempotencyKey.upperBound)))
                let success = document.resolve(try #require(operation.node["responses"]?["200"], "\(operation)"))
                #expect(success["headers"]?["Idempotency-Replayed"] != nil, "\(operation) lacks Idempotency-Replayed")
                #expect(document.codes(operation, 401) == ["AUTH_NO_TOKEN", "AUTH_INVALID_TOKEN", "AUTH_TOKEN_EXPIRED"], "\(operation)")
                #expect(document.codes(operation, 400).contains("INVALID_IDEMPOTENCY_KEY"), "\(operation)")
                // Stated here, not read from the document: the operations a count limit applies to.
                let limited: Set<String> = ["createChat", "addChatMember", "addReaction", "pinMessage", "putFolder"]
                let refusals =
                    limited.contains(operation.node["operationId"]?.string ?? "")
                    ? ["IDEMPOTENCY_KEY_REUSED", "LIMIT_REACHED"] : ["IDEMPOTENCY_KEY_REUSED"]
                #expect(document.codes(operation, 422) == refusals, "\(operation)")
                #expect(document.codes(operation, 429) == ["RATE_LIMITED"], "\(operation)")
            }
            if operation.kind != .read {
                for status in [413, 415, 503] {
                    #expect(!document.codes(operation, status).isEmpty, "\(operation) lacks \(status)")
                }
            }
        }
    }

    @Test("each request body schema matches its CommandRequest type: keys, required fields, types, null")
    func requestBodiesMatchTheirTypes() throws {
        let document = try OpenAPIDocument()
        let types: [String: any CommandRequest.Type] = [
            "CreateChatRequest": CreateChatRequest.self, "ChatMemberRequest": ChatMemberRequest.self,
            "ChatRoleRequest": ChatRoleRequest.self,
            "ChatRequest": ChatRequest.self, "SendMessageRequest": SendMessageRequest.self,
            "EditMessageRequest": EditMessageRequest.self, "MessageRequest": MessageRequest.self,
            "ReactionRequest": ReactionRequest.self, "PinChatRequest": PinChatRequest.self,
            "MuteChatRequest": MuteChatRequest.self, "ThemeRequest": ThemeRequest.self,
            "FolderRequest": FolderRequest.self, "DeleteFolderRequest": DeleteFolderRequest.self,
            "PushTokenRequest": PushTokenRequest.self, "EmptyRequest": EmptyRequest.self,
            "CreateUserRequest": CreateUserRequest.self, "IssueTokenRequest": IssueTokenRequest.self,
        ]
        var used: Set<String> = []
        for operation in document.operations {
            guard let name = operation.requestSchemaName else {
                #expect(operation.kind == .read, "\(operation) has no request body")
                continue
            }
            used.insert(name)
            let schema = document.schema(name)
            let properties = Set(schema["properties"]?.members?.keys.map { $0 } ?? [])
            let required = Set((schema["required"]?.array ?? []).compactMap(\.string))
            #expect(schema["additionalProperties"]?.value == .bool(false), "\(name) must refuse unknown keys")
            #expect(required.isSubset(of: properties), "\(name)")
            let example = try #require(schema["examples"]?.array?.first?.members, "\(name) has no example")
            #expect(Set(example.keys) == properties, "\(name)'s example should show every property")
            let body = example.mapValues(\.value)

            if name == "ProfileUpdate" {
                // Free-form body validated by ProfileUpdate: its fields are the profile event fields.
                #expect(properties == Set(ProfileEventType.allCases.map(\.field)))
                #expect(required.isEmpty && schema["minProperties"]?.value == .integer(1))
                #expect(throws: Never.self) { try ProfileUpdate(body: body) }
                for key in properties {
                    var nulled = body
                    nulled[key] = .null
                    let accepted = (try? ProfileUpdate(body: nulled)) != nil
                    #expect(accepted == document.isNullable(schema, key), "ProfileUpdate: null \(key)")
                }
                continue
            }
            guard let type = types[name] else {
                Issue.record("no CommandRequest type for request schema \(name)")
                continue
            }
            #expect(properties == type.keys, "\(name): documented \(properties.sorted()), type knows \(type.keys.sorted())")
            let exampleDecodes = decodes(type, body)
            #expect(exampleDecodes, "\(name)'s example does not decode")
            for key in properties {
                var without = body
                without[key] = nil
                let decodesWithout = decodes(type, without)
                #expect(decodesWithout == !required.contains(key), "\(name): \(key) required or not")
                var nulled = body
                nulled[key] = .null
                let decodesNull = decodes(type, nulled)
                #expect(decodesNull == document.isNullable(schema, key), "\(name): \(key) null or not")
            }
        }
        #expect(used == Set(types.keys).union(["ProfileUpdate"]), "request types without an operation: \(Set(types.keys).subtracting(used))")
        let chatTypes = document.schema("CreateChatRequest")["properties"]?["type"]?["enum"]?.array?.compactMap(\.string)
        #expect(chatTypes == ChatType.allCases.map(\.rawValue))
    }

    @Test("each success answer is the envelope around the schema of the result type the route returns")
    func successAnswersMatchResultTypes() throws {
        let document = try OpenAPIDocument()
        let results: [String: any Codable.Type] = [
            "MessageSent": MessageSent.self, "EventWritten": EventWritten.self, "ChatCreated": ChatCreated.self,
            "ProfileEventsWritten": ProfileEventsWritten.self, "DeviceUpdated": DeviceUpdated.self, "RolesChanged": RolesChanged.self,
            "CreatedUser": AdminRoutes.CreatedUser.self, "IssuedToken": AdminRoutes.IssuedToken.self,
        ]
        var used: Set<String> = []
        for operation in document.operations where operation.kind != .read {
            let success = document.resolve(try #require(operation.node["responses"]?["200"], "\(operation)"))
            let envelope = try #require(success["content"]?["application/json"]?["schema"], "\(operation)")
            #expect(envelope["required"]?.value == .array([.string("success"), .string("data")]), "\(operation)")
            #expect(envelope["properties"]?["success"]?["const"]?.value == .bool(true), "\(operation)")
            let name = try #require(envelope["properties"]?["data"]?["$ref"]?.string?.split(separator: "/").last.map(String.init))
            used.insert(name)
            let schema = document.schema(name)
            let properties = Set(schema["properties"]?.members?.keys.map { $0 } ?? [])
            #expect(Set((schema["required"]?.array ?? []).compactMap(\.string)) == properties, "\(name): every answer field is always present")
            guard let type = results[name] else {
                Issue.record("no result type for \(name)")
                continue
            }
            let example = try #require(schema["examples"]?.array?.first, "\(name) has no example")
            let roundTrip = reencoded(type, example.value)
            let encoded = try #require(roundTrip, "\(name)'s example does not decode as \(type)")
            #expect(Set(encoded.keys) == properties, "\(name): \(type) encodes \(encoded.keys.sorted())")
        }
        #expect(used == Set(results.keys))
    }

    @Test("every error response lists its codes in its description, and the documented codes cover the service's")
    func errorResponsesNameTheirCodes() throws {
        let document = try OpenAPIDocument()
        var all: Set<String> = []
        for operation in document.operations {
            for (status, response) in operation.node["responses"]?.members ?? [:] where status.first != "2" {
                let resolved = document.resolve(response)
                let codes = document.codes(operation, Int(status) ?? 0)
                let description = resolved["description"]?.string ?? ""
                if operation.path == "/health/ready" { continue }  // its 503 is the readiness report, not an error
                #expect(!codes.isEmpty, "\(operation) \(status) names no code")
                for code in codes {
                    #expect(description.contains("`\(code)`"), "\(operation) \(status): description omits \(code)")
                    #expect(ErrorCode(rawValue: code) != nil, "\(code) is not an ErrorCode")
                }
                all.formUnion(codes)
            }
        }
        let expected: Set<String> = [
            "INVALID_JSON", "INVALID_BODY", "UNKNOWN_FIELD", "INVALID_FIELD", "CONTENT_TOO_LONG", "EMPTY_UPDATE",
            "INVALID_IDEMPOTENCY_KEY", "AUTH_NO_TOKEN", "AUTH_INVALID_TOKEN", "AUTH_TOKEN_EXPIRED", "ADMIN_TOKEN_REQUIRED",
            "BODY_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "IDEMPOTENCY_KEY_REUSED", "DEPENDENCY_UNAVAILABLE", "INTERNAL",
            CommandError.unknownChat.code.rawValue, CommandError.unknownMessage.code.rawValue, CommandError.unknownUser.code.rawValue,
            CommandError.unknownFolder.code.rawValue, CommandError.notAMember.code.rawValue, CommandError.adminOnly.code.rawValue,
            CommandError.authorOnly.code.rawValue, CommandError.messageDeleted.code.rawValue,
            CommandError.idempotencyKeyReused.code.rawValue,
        ]
        #expect(expected.isSubset(of: all), "undocumented: \(expected.subtracting(all).sorted())")
    }

    @Test("the routes accept each documented example body and refuse as documented")
    func routesAnswerAsDocumented() async throws {
        let document = try OpenAPIDocument()
        try await withCommandRouter { fixture in
            let token = try await fixture.tokens.issue(userID: UUID(), deviceID: "openapi-test")
            for operation in document.operations where operation.kind == .mutation {
                let schemaName = try #require(operation.requestSchemaName)
                let example = try #require(document.schema(schemaName)["examples"]?.array?.first?.members)
                let body = example.mapValues(\.value)
                let send = { (headers: HTTPFields, json: [String: JSONValue]) in
                    try await fixture.send(operation.method, operation.path, headers: headers, body: JSONValue.object(json).jsonText)
                }
                let bearer: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]

                let anonymous = try await send([.contentType: "application/json"], body)
                document.check(anonymous, is: 401, "AUTH_NO_TOKEN", for: operation)

                // The example passes decoding and validation: the only thing left to refuse is the malformed key,
                // checked right before the transaction would start.
                var badKey = bearer
                badKey[HTTPField.Name("Idempotency-Key")!] = "not a key"
                document.check(try await send(badKey, body), is: 400, "INVALID_IDEMPOTENCY_KEY", for: operation)

                // Every documented property is one the route's type knows: only the probe is unknown.
                var probed = body
                probed["~probe"] = .integer(1)
                let unknown = try await send(bearer, probed)
                document.check(unknown, is: 400, "UNKNOWN_FIELD", for: operation)
                #expect(unknown.message?.hasSuffix("~probe") == true, "\(operation): \(unknown)")

                for key in document.schema(schemaName)["required"]?.array?.compactMap(\.string) ?? [] {
                    var missing = body
                    missing[key] = nil
                    document.check(try await send(bearer, missing), is: 400, "INVALID_BODY", for: operation)
                }

                let plain: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "text/plain"]
                document.check(try await send(plain, body), is: 415, "UNSUPPORTED_MEDIA_TYPE", for: operation)

                let notAnObject = try await fixture.send(operation.method, operation.path, headers: bearer, body: "[]")
                document.check(notAnObject, is: 400, "INVALID_BODY", for: operation)
                let malformed = try await fixture.send(operation.method, operation.path, headers: bearer, body: "{")
                #expect(malformed.status == 400 && ["INVALID_JSON", "INVALID_BODY"].contains(malformed.code ?? ""), "\(operation): \(malformed)")
                #expect(document.codes(operation, 400).contains(malformed.code ?? ""), "\(operation) does not document \(malformed)")

                // The documented limits are the enforced ones: a value at a limit gets as far as the (bad)
                // Idempotency-Key, one past it is refused by validation with a documented code.
                for (key, value, accepted) in document.boundaryValues(document.schema(schemaName), example: body) {
                    var edited = body
                    edited[key] = value
                    let answer = try await send(badKey, edited)
                    if accepted {
                        document.check(answer, is: 400, "INVALID_IDEMPOTENCY_KEY", for: operation)
                    } else {
                        #expect(
                            answer.status == 400 && ["INVALID_FIELD", "CONTENT_TOO_LONG"].contains(answer.code ?? ""),
                            "\(operation): \(key) = \(value.jsonText.prefix(40)) should be refused, got \(answer)")
                        #expect(document.codes(operation, 400).contains(answer.code ?? ""), "\(operation) does not document \(answer)")
                    }
                }
            }

            // A known path with an unregistered method: 405 (the router is the binary's, with its route table).
            let wrongMethod = try await fixture.send("get", "/message", headers: [:], body: "")
            #expect(wrongMethod.status == 405 && wrongMethod.code == "METHOD_NOT_ALLOWED", "\(wrongMethod)")

            for operation in document.operations where operation.kind == .admin {
                let schemaName = try #require(operation.requestSchemaName)
                let example = try #require(document.schema(schemaName)["examples"]?.array?.first?.members)
                let body = example.mapValues(\.value)
                let json = JSONValue.object(body).jsonText
                let noToken = try await fixture.send(operation.method, operation.path, headers: [.contentType: "application/json"], body: json)
                document.check(noToken, is: 401, "ADMIN_TOKEN_REQUIRED", for: operation)
                var probed = body
                probed["~probe"] = .bool(true)
                let admin: HTTPFields = [AdminRoutes.header: CommandRouterFixture.adminToken, .contentType: "application/json"]
                let unknown = try await fixture.send(operation.method, operation.path, headers: admin, body: JSONValue.object(probed).jsonText)
                document.check(unknown, is: 400, "UNKNOWN_FIELD", for: operation)
                #expect(unknown.message?.hasSuffix("~probe") == true, "\(operation): \(unknown)")
            }

            let live = try await fixture.send("get", "/health/live", headers: [:], body: "")
            #expect(live.status == 200)
            let served = try await fixture.send("get", "/openapi.json", headers: [:], body: "")
            #expect(served.status == 200 && served.body == CommandOpenAPI.document)
        }

        // With no admin token configured the admin routes do not exist.
        try await withCommandRouter(adminToken: nil) { fixture in
            for operation in document.operations where operation.kind == .admin {
                let answer = try await fixture.send(
                    operation.method, operation.path, headers: [AdminRoutes.header: "anything", .contentType: "application/json"], body: "{}"
                )
                document.check(answer, is: 404, "NOT_FOUND", for: operation)
            }
        }
    }

    @Test("a body over the size limit is refused with 413 BODY_TOO_LARGE, as documented")
    func oversizedBody() async throws {
        let document = try OpenAPIDocument()
        let operation = try #require(document.operations.first { $0.method == "post" && $0.path == "/message" })
        try await withCommandRouter { fixture in
            let token = try await fixture.tokens.issue(userID: UUID(), deviceID: "openapi-test")
            let content = String(repeating: "a", count: NovyseRequestContext.maxBodySize)
            let answer = try await fixture.send(
                "post", "/message", headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: #"{"chatUUID":"\#(UUID())","content":"\#(content)","clientMessageID":"\#(UUID())"}"#
            )
            document.check(answer, is: 413, "BODY_TOO_LARGE", for: operation)
        }
    }
}
