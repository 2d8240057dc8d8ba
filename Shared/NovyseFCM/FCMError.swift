/// Every failure of the FCM client, each with a stable code for logs and metrics, so the wake-up sender
/// can count and log failures without parsing messages.
public enum FCMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The service-account JSON is missing a field, is not JSON, or holds a key that is not RSA.
    case invalidServiceAccount(String)
    /// The OAuth2 token endpoint refused the signed assertion or answered something unusable.
    case tokenRequestFailed(status: Int, detail: String)
    /// FCM answered with an error that retrying cannot fix (bad request, permission, sender mismatch…).
    case rejected(status: Int, fcmCode: String?, detail: String)
    /// FCM (or the token endpoint) kept answering 429/5xx, or the network kept failing, until the attempts ran out.
    case unavailable(status: Int?, detail: String)
    /// The client was shut down; nothing more can be sent with it.
    case shutDown

    public var code: String {
        switch self {
        case .invalidServiceAccount: "FCM_INVALID_SERVICE_ACCOUNT"
        case .tokenRequestFailed: "FCM_TOKEN_REQUEST_FAILED"
        case .rejected: "FCM_REJECTED"
        case .unavailable: "FCM_UNAVAILABLE"
        case .shutDown: "FCM_SHUT_DOWN"
        }
    }

    public var description: String {
        switch self {
        case .invalidServiceAccount(let reason):
            "invalid FCM service account: \(reason)"
        case .tokenRequestFailed(let status, let detail):
            "OAuth2 token request failed (HTTP \(status)): \(detail)"
        case .rejected(let status, let fcmCode, let detail):
            "FCM rejected the message (HTTP \(status)\(fcmCode.map { ", \($0)" } ?? "")): \(detail)"
        case .unavailable(let status, let detail):
            "FCM unavailable\(status.map { " (HTTP \($0))" } ?? ""): \(detail)"
        case .shutDown:
            "the FCM client has been shut down"
        }
    }
}
