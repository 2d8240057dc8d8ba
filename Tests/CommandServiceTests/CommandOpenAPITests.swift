@testable import CommandService
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
                #expect(document.codes(operation, 422) == ["IDEMPOTENCY_KEY_REUSED"], "\(operation)")
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
            "ProfileEventsWritten": ProfileEventsWritten.self, "DeviceUpdated": DeviceUpdated.self,
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
                    #expect(CommandOpenAPI.errorMeanings[code] != nil, "\(code) has no meaning")
                }
                all.formUnion(codes)
            }
        }
        let expected: Set<String> = [
            "INVALID_JSON", "INVALID_BODY", "UNKNOWN_FIELD", "INVALID_FIELD", "CONTENT_TOO_LONG", "EMPTY_UPDATE",
            "INVALID_IDEMPOTENCY_KEY", "AUTH_NO_TOKEN", "AUTH_INVALID_TOKEN", "AUTH_TOKEN_EXPIRED", "ADMIN_TOKEN_REQUIRED",
            "BODY_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "IDEMPOTENCY_KEY_REUSED", "DEPENDENCY_UNAVAILABLE", "INTERNAL",
            CommandError.unknownChat.code, CommandError.unknownMessage.code, CommandError.unknownUser.code,
            CommandError.unknownFolder.code, CommandError.notAMember.code, CommandError.adminOnly.code,
            CommandError.authorOnly.code, CommandError.messageDeleted.code, CommandError.idempotencyKeyReused.code,
        ]
        #expect(expected.isSubset(of: all), "undocumented: \(expected.subtracting(all).sorted())")
        #expect(all == Set(CommandOpenAPI.errorMeanings.keys), "meanings without use: \(Set(CommandOpenAPI.errorMeanings.keys).subtracting(all).sorted())")
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
                        #expect(answer.status == 400 && ["INVALID_FIELD", "CONTENT_TOO_LONG"].contains(answer.code ?? ""),
                                "\(operation): \(key) = \(value.jsonText.prefix(40)) should be refused, got \(answer)")
                        #expect(document.codes(operation, 400).contains(answer.code ?? ""), "\(operation) does not document \(answer)")
                    }
                }
            }

            // Hummingbird answers a known path with an unregistered method as an unknown route.
            let wrongMethod = try await fixture.send("get", "/message", headers: [:], body: "")
            #expect(wrongMethod.status == 404 && wrongMethod.code == "NOT_FOUND", "\(wrongMethod)")

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

// MARK: - The document

/// A node of the parsed document.
private struct OpenAPINode: Sendable {
    let value: JSONValue

    subscript(key: String) -> OpenAPINode? {
        guard case .object(let members) = value, let member = members[key] else { return nil }
        return OpenAPINode(value: member)
    }

    var members: [String: OpenAPINode]? {
        guard case .object(let members) = value else { return nil }
        return members.mapValues(OpenAPINode.init)
    }

    var array: [OpenAPINode]? {
        guard case .array(let items) = value else { return nil }
        return items.map(OpenAPINode.init)
    }

    var string: String? {
        guard case .string(let text) = value else { return nil }
        return text
    }

    var int: Int? {
        guard case .integer(let number) = value else { return nil }
        return Int(number)
    }

    /// Every `$ref` below this node.
    func references() -> [String] {
        switch value {
        case .object(let members):
            let own = members["$ref"].flatMap { OpenAPINode(value: $0).string }.map { [$0] } ?? []
            return own + members.values.flatMap { OpenAPINode(value: $0).references() }
        case .array(let items):
            return items.flatMap { OpenAPINode(value: $0).references() }
        default:
            return []
        }
    }
}

private struct DocumentedOperation: CustomStringConvertible {
    enum Kind { case read, mutation, admin }

    let method: String
    let path: String
    let node: OpenAPINode

    var description: String { "\(method.uppercased()) \(path)" }

    var kind: Kind {
        if method == "get" { return .read }
        return path.hasPrefix("/admin/") ? .admin : .mutation
    }

    var requestSchemaName: String? {
        node["requestBody"]?["content"]?["application/json"]?["schema"]?["$ref"]?.string?
            .split(separator: "/").last.map(String.init)
    }
}

private struct OpenAPIDocument {
    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    let root: OpenAPINode

    init() throws {
        root = OpenAPINode(value: try JSONDecoder().decode(JSONValue.self, from: Data(CommandOpenAPI.document.utf8)))
    }

    var operations: [DocumentedOperation] {
        (root["paths"]?.members ?? [:]).sorted { $0.key < $1.key }.flatMap { path, item in
            (item.members ?? [:]).filter { Self.methods.contains($0.key) }.sorted { $0.key < $1.key }.map {
                DocumentedOperation(method: $0.key, path: path, node: $0.value)
            }
        }
    }

    /// The node a local reference (`#/components/…`) points at.
    func lookup(_ reference: String) -> OpenAPINode? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: OpenAPINode? = root
        for part in reference.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node
    }

    /// `node`, following `$ref`s.
    func resolve(_ node: OpenAPINode) -> OpenAPINode {
        guard let reference = node["$ref"]?.string, let target = lookup(reference) else { return node }
        return resolve(target)
    }

    func schema(_ name: String) -> OpenAPINode {
        root["components"]?["schemas"]?[name] ?? OpenAPINode(value: .null)
    }

    /// Whether property `key` of `schema` accepts `null`.
    func isNullable(_ schema: OpenAPINode, _ key: String) -> Bool {
        guard let property = schema["properties"]?[key] else { return false }
        return resolve(property)["type"]?.array?.contains { $0.string == "null" } ?? false
    }

    /// Values at and just past each documented length, item-count and range limit of a body's properties, with
    /// whether validation should accept them. The int64 IDs' bound is their representation, not a rule, and
    /// is left out.
    func boundaryValues(_ schema: OpenAPINode, example: [String: JSONValue]) -> [(String, JSONValue, Bool)] {
        var values: [(String, JSONValue, Bool)] = []
        for (key, property) in (schema["properties"]?.members ?? [:]).sorted(by: { $0.key < $1.key }) {
            let resolved = resolve(property)
            let text = { (count: Int) in JSONValue.string(String(repeating: "a", count: count)) }
            if let maximum = resolved["maxLength"]?.int {
                values += [(key, text(maximum), true), (key, text(maximum + 1), false)]
            }
            if let minimum = resolved["minLength"]?.int, minimum > 0 {
                values += [(key, text(minimum), true), (key, text(minimum - 1), false)]
            }
            if let maximum = resolved["maxItems"]?.int, case .array(let items)? = example[key], let item = items.first {
                values += [
                    (key, .array(Array(repeating: item, count: maximum)), true),
                    (key, .array(Array(repeating: item, count: maximum + 1)), false),
                ]
            }
            if resolved["type"]?.string == "integer", resolved["format"]?.string != "int64",
               let minimum = resolved["minimum"]?.int, let maximum = resolved["maximum"]?.int {
                values += [
                    (key, .integer(Int64(minimum)), true), (key, .integer(Int64(maximum)), true),
                    (key, .integer(Int64(minimum) - 1), false), (key, .integer(Int64(maximum) + 1), false),
                ]
            }
        }
        return values
    }

    /// The `error.code` values an operation documents for `status`.
    func codes(_ operation: DocumentedOperation, _ status: Int) -> [String] {
        guard let response = operation.node["responses"]?[String(status)] else { return [] }
        let schema = resolve(response)["content"]?["application/json"]?["schema"]
        let parts = schema?["allOf"]?.array ?? []
        return parts.compactMap { $0["properties"]?["error"]?["properties"]?["code"]?["enum"]?.array }
            .flatMap { $0.compactMap(\.string) }
    }

    /// Checks an answer's status and code, and that the document lists that code for that status.
    func check(
        _ answer: RouteAnswer, is status: Int, _ code: String, for operation: DocumentedOperation,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(answer.status == status && answer.code == code, "\(operation): expected \(status) \(code), got \(answer)", sourceLocation: sourceLocation)
        #expect(codes(operation, status).contains(code), "\(operation) does not document \(status) \(code)", sourceLocation: sourceLocation)
    }
}

private func normalized(_ path: String) -> String {
    let trimmed = path.split(separator: "/").map { part in
        part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)  // Hummingbird's :param is OpenAPI's {param}
    }
    return "/" + trimmed.joined(separator: "/")
}

private func decodes<Body: CommandRequest>(_ type: Body.Type, _ object: [String: JSONValue]) -> Bool {
    (try? JSONDecoder().decode(Body.self, from: Data(JSONValue.object(object).jsonText.utf8))) != nil
}

/// `value` decoded as `type` and encoded again, as an object.
private func reencoded<Result: Codable>(_ type: Result.Type, _ value: JSONValue) -> [String: JSONValue]? {
    guard let decoded = try? JSONDecoder().decode(Result.self, from: Data(value.jsonText.utf8)),
          let data = try? JSONEncoder().encode(decoded),
          case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: data)
    else { return nil }
    return object
}

// MARK: - The router, in-process

private struct RouteAnswer: Sendable, CustomStringConvertible {
    let status: Int
    let code: String?
    let message: String?
    let body: String

    var description: String { "\(status) \(code ?? "-") \(message ?? body.prefix(200).description)" }
}

/// The routes `CommandServiceMain` registers, on a router with the middleware of `ServiceRuntime.makeRouter`.
///
/// `ServiceLauncher.run` builds its router from the environment and live clients inside `@main`, so the same
/// registration is repeated here; the clients are created but never run (no request sent by these tests reaches
/// them), the Redis one only because `ReadinessProbe` wants one.
private struct CommandRouterFixture {
    static let adminToken = "openapi-test-admin-token"

    let router: Router<NovyseRequestContext>
    let responder: RouterResponder<NovyseRequestContext>
    let tokens: TokenAuthority
    let channel: any Channel
    let logger: Logger

    func send(_ method: String, _ path: String, headers: HTTPFields, body: String) async throws -> RouteAnswer {
        let request = Request(
            head: HTTPRequest(
                method: try #require(HTTPRequest.Method(method.uppercased())), scheme: "http", authority: "localhost",
                path: path, headerFields: headers
            ),
            body: RequestBody(buffer: ByteBuffer(string: body))
        )
        let context = NovyseRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
        return try await withDeadline(.seconds(20), operation: "\(method) \(path) in-process") { [responder] in
            do {
                let response = try await responder.respond(to: request, context: context)
                let sink = BodySink()
                try await response.body.write(sink)
                let text = String(buffer: sink.buffer)
                // The responder renders thrown `HTTPResponseError`s itself: read the envelope back.
                let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(text.utf8))
                return RouteAnswer(status: response.status.code, code: envelope?.error.code, message: envelope?.error.message, body: text)
            } catch let error as APIError {
                return RouteAnswer(status: error.status.code, code: error.code, message: error.message, body: "")
            }
        }
    }
}

/// Collects a response body.
private final class BodySink: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

private func withCommandRouter(
    adminToken: String? = CommandRouterFixture.adminToken, _ body: (CommandRouterFixture) async throws -> Void
) async throws {
    let logger = Logger(label: "openapi-test")
    let postgres = PostgresClient(
        configuration: try DatabaseConfiguration(url: "postgres://x@127.0.0.1:1/x?sslmode=disable").client, backgroundLogger: logger
    )
    let redis = RedisClient(configuration: RedisConfiguration(), logger: logger)
    let tokens = try await TokenAuthority(configuration: JWTConfiguration(hmacSecret: String(repeating: "openapi-", count: 5)))

    let router = Router(context: NovyseRequestContext.self)
    router.middlewares.add(ErrorEnvelopeMiddleware())
    HealthRoutes(readiness: ReadinessProbe(postgres: postgres, redis: redis, timeout: .seconds(1), logger: logger)).register(on: router)
    let kick: @Sendable () -> Void = {}
    CommandRoutes(route: MutationRoute(store: CommandStore(client: postgres, logger: logger), tokens: tokens, onCommit: kick))
        .register(on: router)
    AdminRoutes(adminToken: adminToken, users: UserRepository(client: postgres, logger: logger), tokens: tokens, onCommit: kick)
        .register(on: router)
    OpenAPIRoute(document: CommandOpenAPI.document).register(on: router)

    // A request context needs a channel; an unconnected loopback UDP socket is the lightest real one.
    let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    let fixture = CommandRouterFixture(
        router: router, responder: router.buildResponder(), tokens: tokens, channel: channel, logger: logger
    )
    do {
        try await body(fixture)
    } catch {
        try? await channel.close()
        await redis.shutdown()
        throw error
    }
    try? await channel.close()
    await redis.shutdown()
}
