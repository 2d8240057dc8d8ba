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

// The parsed OpenAPI document and an in-process router, which the OpenAPI tests compare.
/// A node of the parsed document.
struct OpenAPINode: Sendable {
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

struct DocumentedOperation: CustomStringConvertible {
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

struct OpenAPIDocument {
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
                let minimum = resolved["minimum"]?.int, let maximum = resolved["maximum"]?.int
            {
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
        #expect(
            answer.status == status && answer.code == code, "\(operation): expected \(status) \(code), got \(answer)", sourceLocation: sourceLocation)
        #expect(codes(operation, status).contains(code), "\(operation) does not document \(status) \(code)", sourceLocation: sourceLocation)
    }
}

func normalized(_ path: String) -> String {
    let trimmed = path.split(separator: "/").map { part in
        part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)  // Hummingbird's :param is OpenAPI's {param}
    }
    return "/" + trimmed.joined(separator: "/")
}

func decodes<Body: CommandRequest>(_ type: Body.Type, _ object: [String: JSONValue]) -> Bool {
    (try? JSONDecoder().decode(Body.self, from: Data(JSONValue.object(object).jsonText.utf8))) != nil
}

/// `value` decoded as `type` and encoded again, as an object.
func reencoded<Result: Codable>(_ type: Result.Type, _ value: JSONValue) -> [String: JSONValue]? {
    guard let decoded = try? JSONDecoder().decode(Result.self, from: Data(value.jsonText.utf8)),
        let data = try? JSONEncoder().encode(decoded),
        case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: data)
    else { return nil }
    return object
}

// MARK: - The router, in-process

struct RouteAnswer: Sendable, CustomStringConvertible {
    let status: Int
    let code: String?
    let message: String?
    let body: String

    var description: String { "\(status) \(code ?? "-") \(message ?? body.prefix(200).description)" }
}

/// The router `CommandServiceMain` serves (`CommandRouter.build`), on clients that are created but never run:
/// no request sent by these tests reaches them.
struct CommandRouterFixture {
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
                return RouteAnswer(status: error.status.code, code: error.code.rawValue, message: error.message, body: "")
            }
        }
    }
}

/// Collects a response body.
final class BodySink: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

func withCommandRouter(
    adminToken: String? = CommandRouterFixture.adminToken, _ body: (CommandRouterFixture) async throws -> Void
) async throws {
    let logger = Logger(label: "openapi-test")
    let postgres = PostgresClient(
        configuration: try DatabaseConfiguration(url: "postgres://x@127.0.0.1:1/x?sslmode=disable").client, backgroundLogger: logger
    )
    let redis = RedisClient(configuration: RedisConfiguration(), logger: logger)
    let tokens = try await TokenAuthority(configuration: JWTConfiguration(hmacSecret: String(repeating: "openapi-", count: 5)))

    let router = CommandRouter.build(
        try CommandDependencies(
            RouterDependencies(
                postgres: postgres, redis: redis, tokens: tokens, service: .command, readinessTimeout: .seconds(120), logger: logger
            ),
            keyspace: RedisKeyspace(prefix: "openapi"), adminToken: adminToken,
            environment: EnvironmentReader(["NOVYSE_RATE_LIMITS_ENABLED": "false"])
        ))

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
