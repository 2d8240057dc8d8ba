import Foundation
import Hummingbird
import NIOCore
import NovyseCore

/// An error a client may see: an HTTP status, a stable code and a human message, rendered in the
/// `{success: false, error: {code, message}}` envelope. Internal detail is logged, never put here.
public struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    public let code: ErrorCode
    public let message: String
    /// Sent as `Retry-After` (whole seconds, rounded up), for 429 and 503 answers that know when to retry.
    public let retryAfterSeconds: Int?
    /// Sent as `Allow` with 405: the methods the path does answer.
    public let allow: [String]?

    /// The status is the code's: one code, one status, everywhere.
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: code.status) }

    public init(_ code: ErrorCode, message: String, retryAfterSeconds: Int? = nil, allow: [String]? = nil) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
        self.allow = allow
    }

    public var headers: HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfterSeconds { fields[.retryAfter] = String(retryAfterSeconds) }
        if let allow { fields[.allow] = allow.joined(separator: ", ") }
        return fields
    }

    /// 429 `RATE_LIMITED` with `Retry-After`: the caller's bucket is empty for `retryAfter`.
    public static func rateLimited(retryAfter: Duration, what: String) -> APIError {
        let (seconds, attoseconds) = retryAfter.components
        let whole = max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
        return APIError(.rateLimited, message: "too many \(what); retry after \(whole) s", retryAfterSeconds: whole)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONEncoder().encode(ErrorEnvelope(code: code.rawValue, message: message))
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The HTTP form of a domain refusal.
    public init(_ error: CommandError) {
        self.init(error.code, message: error.message)
    }

    public static func badRequest(_ code: ErrorCode, _ message: String) -> APIError {
        APIError(code, message: message)
    }

    public static func unauthorized(_ error: AuthError) -> APIError {
        APIError(error.code, message: error.message)
    }

    public static let internalError = APIError(.internalError, message: "the server failed to answer; it has been logged")
    public static let dependencyUnavailable = APIError(
        .dependencyUnavailable, message: "a backing service is unavailable; retry later"
    )
}
