import Hummingbird
import NIOCore
import NovyseCore

extension Request {
    /// The body of a JSON request, collected up to `limit` bytes (beyond it NIO throws, which the error
    /// middleware answers with 413 `BODY_TOO_LARGE`). A declared content type other than JSON is refused with
    /// 415 before anything is read; a missing one is accepted, as curl and most clients send JSON without it.
    public func collectJSONBody(upTo limit: Int) async throws -> ByteBuffer {
        if let type = headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw APIError(.unsupportedMediaType, message: "send application/json")
        }
        return try await body.collect(upTo: limit)
    }
}
