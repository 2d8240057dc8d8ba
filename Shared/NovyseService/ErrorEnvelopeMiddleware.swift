import Hummingbird
import Logging
import NIOCore
import NovyseCore
import NovyseStorage
import NovyseRedis
import PostgresNIO

/// Turns every error into the JSON error envelope: typed `APIError`s as they are, Hummingbird's own HTTP
/// errors (unknown route, body too large, bad JSON) with a code, a down dependency as 503, and anything
/// else as a logged 500 whose detail never leaves the process.
public struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw Self.translate(error)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, code: "BODY_TOO_LARGE", message: "the request body is too large")
        } catch let error as AuthError {
            throw APIError.unauthorized(error)
        } catch let error as CommandError {
            throw APIError(error)
        } catch let error as StorageError {
            guard case .conflict(let code, let message) = error else {
                context.logger.error("storage error", metadata: ["error": "\(error)"])
                throw APIError.internalError
            }
            throw APIError(.conflict, code: code, message: message)
        } catch let error as DecodingError {
            throw APIError.badRequest("INVALID_BODY", Self.describe(error))
        } catch {
            if Self.isDependencyFailure(error) {
                context.logger.warning("dependency unavailable", metadata: ["error": "\(String(reflecting: error))"])
                throw APIError.dependencyUnavailable
            }
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError.internalError
        }
    }

    static func translate(_ error: HTTPError) -> APIError {
        switch error.status {
        case .notFound: APIError(.notFound, code: "NOT_FOUND", message: "no such endpoint")
        case .methodNotAllowed: APIError(.methodNotAllowed, code: "METHOD_NOT_ALLOWED", message: "method not allowed")
        case .contentTooLarge: APIError(.contentTooLarge, code: "BODY_TOO_LARGE", message: "the request body is too large")
        case .badRequest: APIError(.badRequest, code: "BAD_REQUEST", message: "the request is malformed")
        case .unsupportedMediaType:
            APIError(.unsupportedMediaType, code: "UNSUPPORTED_MEDIA_TYPE", message: "send application/json")
        default: APIError(error.status, code: "HTTP_\(error.status.code)", message: error.status.reasonPhrase)
        }
    }

    /// Names the offending field without echoing the body back.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let joined = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return joined.isEmpty ? "body" : joined
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing field \(parent == "body" ? key.stringValue : parent + "." + key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(path(context))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "the body is not valid JSON" : "invalid value at \(path(context))"
        @unknown default:
            return "invalid body"
        }
    }

    static func isDependencyFailure(_ error: any Error) -> Bool {
        if error is RedisError || error is DeadlineExceeded { return true }
        if let error = error as? PostgresTransactionError {
            return [error.beginError, error.closureError, error.commitError].contains { $0.map(isDependencyFailure) ?? false }
        }
        if let error = error as? PSQLError {
            switch error.code {
            case .serverClosedConnection, .connectionError, .clientClosedConnection, .poolClosed, .uncleanShutdown:
                return true
            default:
                return error.errorClass?.isUnavailable ?? false
            }
        }
        return false
    }
}
