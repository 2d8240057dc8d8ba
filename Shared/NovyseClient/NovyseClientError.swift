import Foundation

/// Why a client call failed. Refusals (`rejected`) are final: retrying the same request gets the same
/// answer. Transport failures and `unavailable` are worth retrying, and the client does so itself where
/// that is safe (reads always; mutations with their `Idempotency-Key`).
public enum NovyseClientError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The server refused the request (4xx) with its error code, e.g. `NOT_A_MEMBER`.
    case rejected(status: Int, code: String, message: String)
    /// The server or a dependency is down (5xx, including 503 `DEPENDENCY_UNAVAILABLE`).
    case unavailable(status: Int, code: String)
    /// No answer: connection refused, reset, timed out, or (in tests) an answer dropped on purpose.
    case transport(String)
    /// The answer was not the JSON the protocol promises.
    case malformed(String)
    /// Applying an answer failed; the transaction was rolled back and the mirror is as before.
    case applyFailed(String)
    /// Strict mode: an item broke a stream's order (applied twice, out of order, or off the chain).
    case orderViolation(String)
    /// The operation needs a state the mirror does not have yet (e.g. `sync` before `initialize`).
    case notInitialized

    public var description: String {
        switch self {
        case .rejected(let status, let code, let message): "rejected \(status) \(code): \(message)"
        case .unavailable(let status, let code): "unavailable \(status) \(code)"
        case .transport(let detail): "transport: \(detail)"
        case .malformed(let detail): "malformed answer: \(detail)"
        case .applyFailed(let detail): "apply failed: \(detail)"
        case .orderViolation(let detail): "order violation: \(detail)"
        case .notInitialized: "the mirror is empty: call initialize() first"
        }
    }

    /// Whether sending the same request again may succeed.
    public var isRetryable: Bool {
        switch self {
        case .unavailable, .transport: true
        default: false
        }
    }
}
