/// What became of one wake-up, with the attempt count so the caller can count retries in its metrics
/// (the FCM module itself stays free of a metrics backend).
public struct FCMSendReport: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case delivered
        /// FCM says the token is dead (`UNREGISTERED`, `NOT_FOUND`, an invalid token): remove it.
        case tokenInvalid(reason: String)
        /// Dropped: rejected for another reason, or still failing after the last attempt.
        case failed(FCMError)
        /// The calling task was cancelled (shutdown) before an answer was final; the caller should leave the
        /// wake-up for another process rather than count it as handled.
        case interrupted
    }

    public var outcome: Outcome
    /// HTTP requests to `messages:send` made for this wake-up.
    public var attempts: Int

    public init(outcome: Outcome, attempts: Int) {
        self.outcome = outcome
        self.attempts = attempts
    }

    /// Attempts beyond the first.
    public var retries: Int { max(0, attempts - 1) }
}
