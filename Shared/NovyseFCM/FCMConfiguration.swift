/// How the FCM client reaches Google and how persistent it is. Every field but the service account has a
/// production default; tests point `baseURL` and `tokenURI` at a local fake and shorten the delays.
public struct FCMConfiguration: Sendable {
    public static let defaultBaseURL = "https://fcm.googleapis.com"

    public var serviceAccount: FCMServiceAccount
    /// Scheme and host of the FCM API, without a trailing path; `/v1/projects/{id}/messages:send` is appended.
    public var baseURL: String
    /// Overrides the service account's `token_uri` (the JWT `aud` follows it, as Google requires).
    public var tokenURI: String?
    /// Attempts per message, the first included, for 429/5xx and network failures.
    public var maxAttempts: Int
    /// First retry delay without `Retry-After`; doubles per attempt up to `maxBackoff`, with jitter.
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// Longest `Retry-After` honoured; a wake-up asked to wait longer is given up (the next event queues a new one).
    public var maxRetryAfter: Duration
    /// Deadline of each HTTP request (token or send).
    public var requestTimeout: Duration
    /// An access token is refreshed this long before it expires (at half its lifetime if that is shorter).
    public var tokenRefreshMargin: Duration

    public init(
        serviceAccount: FCMServiceAccount,
        baseURL: String = FCMConfiguration.defaultBaseURL,
        tokenURI: String? = nil,
        maxAttempts: Int = 5,
        initialBackoff: Duration = .milliseconds(500),
        maxBackoff: Duration = .seconds(30),
        maxRetryAfter: Duration = .seconds(120),
        requestTimeout: Duration = .seconds(10),
        tokenRefreshMargin: Duration = .seconds(60)
    ) {
        self.serviceAccount = serviceAccount
        self.baseURL = baseURL
        self.tokenURI = tokenURI
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
        self.requestTimeout = requestTimeout
        self.tokenRefreshMargin = tokenRefreshMargin
    }

    /// Where tokens are requested and what the assertion's `aud` is.
    public var effectiveTokenURI: String { tokenURI ?? serviceAccount.tokenURI }

    /// `{baseURL}/v1/projects/{project_id}/messages:send`.
    public var sendURL: String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/v1/projects/\(serviceAccount.projectID)/messages:send"
    }
}
