import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NovyseService

/// The command service's rate limits: a bucket per user for every mutation, and a bucket per client
/// address charged by requests that present no valid credentials (a bad bearer token, a wrong admin
/// token), so guessing tokens is slowed without touching callers who have one.
///
/// The buckets live in Redis (`RateLimiter`), so they hold across replicas, and fail open while Redis is
/// down. Behind a proxy every request comes from the proxy's address: name the header the proxy appends
/// the client's address to (`NOVYSE_CLIENT_ADDRESS_HEADER=X-Forwarded-For`); its last entry is used, the one
/// the proxy wrote. Without it the connection's peer address is used.
struct WriteRateLimits: Sendable {
    let limiter: RateLimiter
    let perUser: RateLimiter.Bucket
    let unauthenticated: RateLimiter.Bucket
    let addressHeader: HTTPField.Name?

    /// Refuses the mutation with 429 when `user`'s bucket is empty.
    func charge(user: UUID) async throws {
        if case .limited(let wait) = await limiter.take("user:\(user.uuidString.lowercased())", perUser) {
            throw APIError.rateLimited(retryAfter: wait, what: "writes")
        }
    }

    /// Charges a request that failed to authenticate; throws 429 instead of its 401 once the address's
    /// bucket is empty.
    func chargeUnauthenticated(_ request: Request, context: NovyseRequestContext) async throws {
        if case .limited(let wait) = await limiter.take("ip:\(address(request, context: context))", unauthenticated) {
            throw APIError.rateLimited(retryAfter: wait, what: "unauthenticated requests")
        }
    }

    func address(_ request: Request, context: NovyseRequestContext) -> String {
        if let addressHeader, let forwarded = request.headers[values: addressHeader].last {
            let last = forwarded.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if !last.isEmpty, last.utf8.count <= 64 { return last }
        }
        return context.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}
