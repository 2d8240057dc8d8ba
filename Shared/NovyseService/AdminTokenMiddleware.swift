import HTTPTypes
import Hummingbird
import NovyseCore

/// Guards the provisioning endpoints (`/admin/…`) with the configured admin token (header
/// `X-Admin-Token`), as `AuthenticationMiddleware` guards the user routes with the bearer token.
///
/// With no admin token configured the endpoints do not exist (404), so a production deployment does not
/// even reveal them. A wrong or missing token is charged to the caller's address (guessing is slowed) and
/// refused with `ADMIN_TOKEN_REQUIRED`, before the body is read.
public struct AdminTokenMiddleware: RouterMiddleware {
    public typealias Context = NovyseRequestContext

    public static let header = HTTPField.Name("X-Admin-Token")!

    let adminToken: String?
    let rateLimits: (any CallerRateLimits)?

    public init(adminToken: String?, rateLimits: (any CallerRateLimits)? = nil) {
        self.adminToken = adminToken
        self.rateLimits = rateLimits
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let adminToken else {
            throw APIError(.notFound, message: "no such endpoint")
        }
        guard let given = request.headers[Self.header], Self.constantTimeEqual(given, adminToken) else {
            try await rateLimits?.chargeUnauthenticated(request, context: context)
            throw APIError(.adminTokenRequired, message: "a valid X-Admin-Token is required")
        }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference, so the answer's timing does not tell a guesser
    /// how much of the token it has right.
    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
