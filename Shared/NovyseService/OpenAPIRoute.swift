import Foundation
import Hummingbird
import NIOCore
import NovyseCore

/// Serves a service's OpenAPI description at `GET /openapi.json`.
public struct OpenAPIRoute: Sendable {
    let document: String

    /// `text` as a JSON string literal, for assembling a description from fragments.
    public static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }

    /// `#/components/schemas/ErrorEnvelope` of both HTTP services: `code` is one of `ErrorCode`.
    public static var errorEnvelopeSchema: String {
        let codes = ErrorCode.allCases.map { quoted($0.rawValue) }.joined(separator: ",")
        return """
            {"type":"object","required":["success","error"],"additionalProperties":false,\
            "properties":{"success":{"const":false},\
            "error":{"type":"object","required":["code","message"],"additionalProperties":false,\
            "properties":{"code":{"enum":[\(codes)],"description":"Stable, machine-readable; docs/api.md lists each with its status."},\
            "message":{"type":"string","description":"For humans; never a stack trace, SQL or an internal name."}}}},\
            "examples":[{"success":false,"error":{"code":"NOT_A_MEMBER","message":"you are not a member of this chat"}}]}
            """
    }

    /// An error response: the envelope with `error.code` restricted to `codes`, each explained in the
    /// description by its `ErrorCode.meaning`, so the description cannot name a code the services lack.
    public static func errorResponse(_ title: String, codes: [ErrorCode]) -> String {
        let explained = codes.map { "`\($0)`: \($0.meaning)" }.joined(separator: "; ")
        let enumeration = codes.map { quoted($0.rawValue) }.joined(separator: ",")
        return """
            {"description":\(quoted("\(title). \(explained).")),"content":{"application/json":{"schema":{"allOf":[\
            {"$ref":"#/components/schemas/ErrorEnvelope"},\
            {"properties":{"error":{"properties":{"code":{"enum":[\(enumeration)]}}}}}]}}}}
            """
    }

    /// The component schemas of `types`, derived from their `Codable` conformance, as the members of a
    /// JSON object (`"Name":{…},…`, no braces) to place beside hand-written shared components.
    public static func components(_ types: [any SchemaDescribed.Type]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return types.map { type in
            do {
                let schema = try type.componentSchema()
                return quoted(type.schemaName) + ":" + String(decoding: try encoder.encode(schema), as: UTF8.self)
            } catch {
                // Derivation follows the types' code, not a client's input: the OpenAPI tests name the type.
                preconditionFailure("the schema of \(type) cannot be derived: \(error)")
            }
        }.joined(separator: ",")
    }

    public init(document: String) {
        self.document = document
    }

    public func register(on router: Router<NovyseRequestContext>) {
        let body = ByteBuffer(string: document)
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: body)
            )
        }
    }
}
