import Hummingbird
import Logging
import NIOCore
import NovyseCore
import NovyseRedis
import NovyseStorage
import PostgresNIO

/// Turns every error into the JSON error envelope: typed `APIError`s as they are, Hummingbird's own HTTP
/// errors (unknown route, body too large, bad JSON) with a code, a down dependency as 503, and anything
/// else as a logged 500 whose detail never leaves the process.
public struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The router's routes, to tell a wrong method (405) from an unknown path (404); nil answers 404 for both.
    let routes: RouteTable?

    public init(routes: RouteTable? = nil) {
        self.routes = routes
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            if error.status == .notFound, let allowed = routes?.allowedMethods(for: request.uri.path), !allowed.isEmpty {
                throw APIError(
                    .methodNotAllowed, message: "\(request.method) is not allowed here; use \(allowed.joined(separator: ", "))",
                    allow: allowed
                )
            }
            throw Self.translate(error)
        } catch is NIOTooManyBytesError {
            throw APIError(.bodyTooLarge, message: "the request body is too large")
        } catch let error as AuthError {
            throw APIError.unauthorized(error)
        } catch let error as CommandError {
            throw APIError(error)
        } catch let error as StorageError {
            guard case .conflict(let code, let message) = error else {
                context.logger.error("storage error", metadata: ["error": "\(error)"])
                throw APIError.internalError
            }
            throw APIError(code, message: message)
        } catch let error as DecodingError {
            throw APIError.badRequest(.invalidBody, Self.describe(error))
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
        case .notFound: APIError(.notFound, message: "no such endpoint")
        case .methodNotAllowed: APIError(.methodNotAllowed, message: "method not allowed")
        case .contentTooLarge: APIError(.bodyTooLarge, message: "the request body is too large")
        case .badRequest: APIError(.badRequest, message: "the request is malformed")
        case .unsupportedMediaType:
            APIError(.unsupportedMediaType, message: "send application/json")
        // Any other refusal of Hummingbird's is still one of the documented codes.
        default:
            error.status.code < 500
                ? APIError(.badRequest, message: error.status.reasonPhrase) : APIError.internalError
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
