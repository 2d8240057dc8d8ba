import AsyncHTTPClient
import Foundation
import JWTKit
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// OAuth2 access tokens for the FCM API, from the service account's signed JWT (RS256).
///
/// A token is cached until shortly before it expires, so one token request serves about an hour of sends;
/// callers arriving while a refresh is under way await that same refresh instead of each asking Google
/// (an actor plus one shared task). A token that FCM refused with 401 is dropped with `invalidate(_:)`.
public actor FCMAccessTokenProvider {
    struct CachedToken {
        let value: String
        let refreshAt: ContinuousClock.Instant
    }

    private let serviceAccount: FCMServiceAccount
    private let tokenURI: String
    private let http: HTTPClient
    private let refreshMargin: Duration
    private let requestTimeout: Duration
    private let logger: Logger
    private var cached: CachedToken?
    private var refreshing: Task<CachedToken, any Error>?
    /// Token requests that reached the endpoint and succeeded, for logs and tests.
    public private(set) var refreshCount = 0

    public init(
        serviceAccount: FCMServiceAccount, tokenURI: String, http: HTTPClient,
        refreshMargin: Duration, requestTimeout: Duration, logger: Logger
    ) {
        self.serviceAccount = serviceAccount
        self.tokenURI = tokenURI
        self.http = http
        self.refreshMargin = refreshMargin
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    /// A valid access token, refreshed when the cached one is near expiry.
    /// - Throws: `FCMError.tokenRequestFailed` (status 0 for a network failure).
    public func token() async throws -> String {
        if let cached, ContinuousClock.now < cached.refreshAt { return cached.value }
        let task: Task<CachedToken, any Error>
        if let refreshing {
            task = refreshing
        } else {
            let request = makeFetch()
            task = Task { try await request() }
            refreshing = task
        }
        do {
            let fresh = try await task.value
            if refreshing == task {
                refreshing = nil
                cached = fresh
                refreshCount += 1
            }
            return fresh.value
        } catch {
            if refreshing == task { refreshing = nil }
            throw error
        }
    }

    /// Forgets `token` if it is the cached one (FCM answered 401 for it), so the next call fetches anew.
    public func invalidate(_ token: String) {
        if cached?.value == token { cached = nil }
    }

    /// The refresh as a closure over plain values, so the request runs off the actor.
    private func makeFetch() -> @Sendable () async throws -> CachedToken {
        let (account, uri, http, margin, timeout, logger) = (serviceAccount, tokenURI, http, refreshMargin, requestTimeout, logger)
        return {
            try await Self.fetch(account: account, tokenURI: uri, http: http, margin: margin, timeout: timeout, logger: logger)
        }
    }

    private static func fetch(
        account: FCMServiceAccount, tokenURI: String, http: HTTPClient, margin: Duration, timeout: Duration, logger: Logger
    ) async throws -> CachedToken {
        let started = ContinuousClock.now
        let keys = JWTKeyCollection()
        await keys.add(
            rsa: account.privateKey, digestAlgorithm: .sha256, kid: account.privateKeyID.map { JWKIdentifier(string: $0) }
        )
        let assertion = try await keys.sign(FCMAssertionClaims(clientEmail: account.clientEmail, tokenURI: tokenURI))
        var request = HTTPClientRequest(url: tokenURI)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let grant = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
        request.body = .bytes(ByteBuffer(string: "grant_type=\(grant)&assertion=\(assertion)"))
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.nanosecondsClamped)))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 256 * 1024)
        } catch let error as HTTPClientError where error == .alreadyShutdown {
            throw FCMError.shutDown
        } catch {
            throw FCMError.tokenRequestFailed(status: 0, detail: "\(error)")
        }
        guard status == 200 else {
            throw FCMError.tokenRequestFailed(status: status, detail: String(buffer: body).prefix(300).description)
        }
        guard let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(buffer: body)), !answer.access_token.isEmpty else {
            throw FCMError.tokenRequestFailed(status: status, detail: "no access_token in the answer")
        }
        let lifetime = Duration.seconds(max(1, answer.expires_in ?? 3600))
        let lead = min(margin, lifetime / 2)
        logger.debug("FCM access token obtained", metadata: ["expiresIn": "\(lifetime)"])
        return CachedToken(value: answer.access_token, refreshAt: started + lifetime - lead)
    }

    // swiftlint:disable:next identifier_name
    private struct TokenAnswer: Decodable {
        let access_token: String
        let expires_in: Int?
    }
}

extension Duration {
    /// Nanoseconds, saturating at `Int64.max` (NIO's `TimeAmount` holds an `Int64`).
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000).overflow ? .max : product + attoseconds / 1_000_000_000
    }
}
