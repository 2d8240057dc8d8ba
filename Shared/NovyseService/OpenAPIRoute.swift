import Hummingbird
import NIOCore

/// Serves a service's OpenAPI description at `GET /openapi.json`.
public struct OpenAPIRoute: Sendable {
    let document: String

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
