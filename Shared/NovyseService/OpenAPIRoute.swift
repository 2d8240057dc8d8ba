import Foundation
import Hummingbird
import NIOCore

/// Serves a service's OpenAPI description at `GET /openapi.json`.
public struct OpenAPIRoute: Sendable {
    let document: String

    /// `text` as a JSON string literal, for assembling a description from fragments.
    public static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
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
