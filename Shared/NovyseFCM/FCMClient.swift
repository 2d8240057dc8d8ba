import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NovyseCore

/// Sends wake-ups through the FCM HTTP v1 API.
///
/// One instance owns one `HTTPClient` (connections to Google are pooled and reused, HTTP/2 where offered)
/// shared by the token provider and every send; call `shutdown()` once when done, which the wake-up
/// sender does when its service stops.
///
/// Each `send` makes up to `maxAttempts` requests: 429/5xx and network failures are retried after the
/// server's `Retry-After` or an exponential backoff with jitter, a 401 refreshes the access token and is
/// retried once, a dead token is reported so the caller can remove it, anything else is given up.
public final class FCMClient: Sendable {
    public let configuration: FCMConfiguration
    public let tokens: FCMAccessTokenProvider
    private let http: HTTPClient
    private let logger: Logger
    private let encodedMessageLimit = 64 * 1024

    public init(configuration: FCMConfiguration, logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "component"] = "fcm"
        self.logger = logger
        var httpConfiguration = HTTPClient.Configuration()
        // The connect timeout also bounds how long a refused connection is retried within one attempt.
        let connect = min(configuration.requestTimeout, .seconds(5))
        httpConfiguration.timeout = .init(
            connect: .nanoseconds(connect.nanosecondsClamped), read: .nanoseconds(configuration.requestTimeout.nanosecondsClamped)
        )
        httpConfiguration.redirectConfiguration = .disallow
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        tokens = FCMAccessTokenProvider(
            serviceAccount: configuration.serviceAccount, tokenURI: configuration.effectiveTokenURI, http: http,
            refreshMargin: configuration.tokenRefreshMargin, requestTimeout: configuration.requestTimeout, logger: logger
        )
    }

    /// Closes the HTTP connections; sends after this fail with `.shutDown`. Safe to call more than once.
    public func shutdown() async {
        do {
            try await http.shutdown()
        } catch {
            logger.debug("FCM HTTP client already shut down", metadata: ["error": "\(error)"])
        }
    }

    /// Delivers one data-only wake-up to `token`. Never throws: every ending is an outcome of the report.
    public func send(token: String) async -> FCMSendReport {
        var attempts = 0
        /// Failed tries that may be retried (sends and token requests alike), bounded by `maxAttempts`.
        var tries = 0
        var refreshedAfterUnauthorized = false
        while true {
            if Task.isCancelled { return FCMSendReport(outcome: .interrupted, attempts: attempts) }
            let result: FCMAttemptResult
            var accessToken: String?
            do {
                let access = try await tokens.token()
                accessToken = access
                attempts += 1
                result = await attempt(token: token, accessToken: access)
            } catch let error as FCMError {
                result = Self.retryable(tokenFailure: error)
            } catch {
                result = .retry(after: nil, status: nil, detail: "\(error)")
            }
            switch result {
            case .delivered:
                return FCMSendReport(outcome: .delivered, attempts: attempts)
            case .tokenInvalid(let reason):
                return FCMSendReport(outcome: .tokenInvalid(reason: reason), attempts: attempts)
            case .rejected(let status, let fcmCode, let detail):
                return FCMSendReport(outcome: .failed(.rejected(status: status, fcmCode: fcmCode, detail: detail)), attempts: attempts)
            case .unauthorized:
                if let accessToken { await tokens.invalidate(accessToken) }
                guard !refreshedAfterUnauthorized else {
                    return FCMSendReport(
                        outcome: .failed(.rejected(status: 401, fcmCode: "UNAUTHENTICATED", detail: "refused a fresh access token")),
                        attempts: attempts
                    )
                }
                refreshedAfterUnauthorized = true
            case .retry(let after, let status, let detail):
                // A request cut short by cancellation (graceful shutdown) failed for no fault of FCM's: it is
                // interrupted, so the caller keeps the wake-up for the next sender, even on the last try.
                if Task.isCancelled { return FCMSendReport(outcome: .interrupted, attempts: attempts) }
                tries += 1
                guard tries < configuration.maxAttempts else {
                    return FCMSendReport(outcome: .failed(.unavailable(status: status, detail: detail)), attempts: attempts)
                }
                if let after, after > configuration.maxRetryAfter {
                    return FCMSendReport(
                        outcome: .failed(.unavailable(status: status, detail: "Retry-After \(after) is beyond the limit")), attempts: attempts)
                }
                let delay = after ?? backoff(afterAttempt: tries)
                logger.debug(
                    "FCM send will be retried",
                    metadata: ["status": "\(status.map(String.init) ?? "network")", "delay": "\(delay)", "attempt": "\(attempts)"]
                )
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    return FCMSendReport(outcome: .interrupted, attempts: attempts)
                }
            }
        }
    }

    /// One POST to `messages:send`; network failures come back as `.retry`.
    func attempt(token: String, accessToken: String) async -> FCMAttemptResult {
        var request = HTTPClientRequest(url: configuration.sendURL)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        request.headers.add(name: "Content-Type", value: "application/json; charset=UTF-8")
        do {
            request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(FCMWakeupMessage(token: token))))
            let response = try await http.execute(
                request, timeout: .nanoseconds(configuration.requestTimeout.nanosecondsClamped), logger: logger
            )
            let body = try await response.body.collect(upTo: encodedMessageLimit)
            return FCMResponseClassifier.classify(
                status: Int(response.status.code), body: Data(buffer: body), retryAfter: response.headers.first(name: "Retry-After")
            )
        } catch let error as HTTPClientError where error == .alreadyShutdown {
            return .rejected(status: 0, fcmCode: nil, detail: FCMError.shutDown.description)
        } catch {
            return .retry(after: nil, status: nil, detail: "\(error)")
        }
    }

    /// Token endpoint failures: network errors, 429 and 5xx are worth another attempt; a 4xx (a revoked
    /// key, a wrong clock) is not, and is reported as it is.
    static func retryable(tokenFailure error: FCMError) -> FCMAttemptResult {
        guard case .tokenRequestFailed(let status, let detail) = error else {
            return .rejected(status: 0, fcmCode: error.code, detail: error.description)
        }
        if status == 0 || status == 429 || status >= 500 {
            return .retry(after: nil, status: status == 0 ? nil : status, detail: "token endpoint: \(detail)")
        }
        return .rejected(status: status, fcmCode: error.code, detail: error.description)
    }

    /// `initialBackoff · 2^(attempt−1)`, capped at `maxBackoff`, with equal jitter (a pause in [½, 1] of
    /// that), so that processes that failed together do not retry together.
    func backoff(afterAttempt attempt: Int) -> Duration {
        Backoff(initial: configuration.initialBackoff, maximum: configuration.maxBackoff).delay(retry: max(attempt - 1, 0))
    }
}
