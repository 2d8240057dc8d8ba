import Foundation
import Hummingbird
import NIOCore
import NovyseRedis
import NovyseService

/// The command service's rate limits: a bucket per user for every mutation, and a bucket per client
/// address charged by requests that present no valid credentials (a bad bearer token, a wrong admin
/// token), so guessing tokens is slowed without touching callers who have one.
///
/// The buckets live in Redis (`RateLimiter`), so they hold across replicas, and fail open while Redis is
/// down. The address is `ClientAddress`'s, the rule every per-address limit shares (behind a proxy, the
/// last entry of `NOVYSE_CLIENT_ADDRESS_HEADER`).
struct WriteRateLimits: CallerRateLimits {
    let limiter: RateLimiter
    let perUser: RateLimiter.Bucket
    let unauthenticated: RateLimiter.Bucket
    let addresses: ClientAddress

    /// Refuses the mutation with 429 when `user`'s bucket is empty.
    func charge(user: UUID) async throws {
        if case .limited(let wait) = await limiter.take(.user(user), perUser) {
            throw APIError.rateLimited(retryAfter: wait, what: "writes")
        }
    }

    /// Charges a request that failed to authenticate; throws 429 instead of its 401 once the address's
    /// bucket is empty.
    func chargeUnauthenticated(_ request: Request, context: NovyseRequestContext) async throws {
        if case .limited(let wait) = await limiter.take(.address(address(request, context: context)), unauthenticated) {
            throw APIError.rateLimited(retryAfter: wait, what: "unauthenticated requests")
        }
    }

    func address(_ request: Request, context: NovyseRequestContext) -> String {
        addresses.of(headers: request.headers, peer: context.channel.remoteAddress)
    }
}
