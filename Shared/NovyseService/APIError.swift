import Foundation
import Hummingbird
import NIOCore
import NovyseCore

/// An error a client may see: an HTTP status, a stable code and a human message, rendered in the
/// `{success: false, error: {code, message}}` envelope. Internal detail is logged, never put here.
public struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// Sent as `Retry-After` (whole seconds, rounded up), for 429 and 503 answers that know when to retry.
    public let retryAfterSeconds: Int?

    public init(_ status: HTTPResponse.Status, code: String, message: String, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var headers: HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfterSeconds { fields[.retryAfter] = String(retryAfterSeconds) }
        return fields
    }

    /// 429 `RATE_LIMITED` with `Retry-After`: the caller's bucket is empty for `retryAfter`.
    public static func rateLimited(retryAfter: Duration, what: String) -> APIError {
        let (seconds, attoseconds) = retryAfter.components
        let whole = max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
        return APIError(
            .tooManyRequests, code: "RATE_LIMITED", message: "too many \(what); retry after \(whole) s", retryAfterSeconds: whole
        )
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONEncoder().encode(ErrorEnvelope(code: code, message: message))
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The HTTP form of a domain refusal.
    public init(_ error: CommandError) {
        let status: HTTPResponse.Status = switch error.kind {
        case .invalid: .badRequest
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .unprocessable: .unprocessableContent
        }
        self.init(status, code: error.code, message: error.message)
    }

    public static func badRequest(_ code: String = "BAD_REQUEST", _ message: String) -> APIError {
        APIError(.badRequest, code: code, message: message)
    }

    public static func unauthorized(_ error: AuthError) -> APIError {
        APIError(.unauthorized, code: error.code, message: error.message)
    }

    public static let internalError = APIError(
        .internalServerError, code: "INTERNAL", message: "the server failed to answer; it has been logged"
    )
    public static let dependencyUnavailable = APIError(
        .serviceUnavailable, code: "DEPENDENCY_UNAVAILABLE", message: "a backing service is unavailable; retry later"
    )
}
