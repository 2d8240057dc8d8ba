import Hummingbird

/// The one check of the bearer token: the routes that need a user sit in a group with this middleware,
/// and their handlers read the caller from `NovyseRequestContext.principal` (`requirePrincipal()`), so
/// no handler parses `Authorization` itself and none can forget to.
///
/// It runs before the handler, so before the body is read. With `rateLimits`, an authenticated caller is
/// charged to its user's bucket, and a request with no token or a bad one to its address's (429 instead
/// of the 401 once that is empty); an expired token is someone's real one (its signature verified), so it
/// is not charged and gets its `AUTH_TOKEN_EXPIRED` to refresh on.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = NovyseRequestContext

    let tokens: TokenAuthority
    let rateLimits: (any CallerRateLimits)?

    public init(tokens: TokenAuthority, rateLimits: (any CallerRateLimits)? = nil) {
        self.tokens = tokens
        self.rateLimits = rateLimits
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let principal: Principal
        do {
            principal = try await tokens.authenticate(authorization: request.headers[.authorization])
        } catch {
            if error != .tokenExpired { try await rateLimits?.chargeUnauthenticated(request, context: context) }
            throw error
        }
        try await rateLimits?.charge(user: principal.userID)
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}
