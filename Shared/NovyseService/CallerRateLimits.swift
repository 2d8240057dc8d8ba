import Foundation
import Hummingbird

/// The rate limits the authentication middleware charges, so that a service with buckets (the command
/// service's `WriteRateLimits`) and one without (the query service) share the same middleware.
///
/// Both charges come before the body is read: a flood of writes, or of guessed tokens, costs one Redis
/// round trip per request and no upload. Either throws `APIError.rateLimited` (429) when its bucket is empty.
public protocol CallerRateLimits: Sendable {
    /// Charges an authenticated caller's request to its user's bucket.
    func charge(user: UUID) async throws

    /// Charges a request without valid credentials (no token, a bad one, a wrong admin token) to its
    /// client address's bucket.
    func chargeUnauthenticated(_ request: Request, context: NovyseRequestContext) async throws
}
