import Foundation

/// What the fake OAuth + FCM server has seen and what it is scripted to answer.
struct FCMFakeState: Sendable {
    struct TokenRequest: Sendable {
        let at: ContinuousClock.Instant
        /// Nil when the assertion verified; otherwise why it was refused.
        let refusal: String?
        let issued: String?
    }

    struct SendRequest: Sendable {
        let at: ContinuousClock.Instant
        let authorization: String?
        let bearerValid: Bool
        let path: String
        let body: Data
        /// `message.token` of the body.
        let token: String?

        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    /// One scripted answer of `messages:send`.
    struct Reply: Sendable {
        var status: Int
        var body: String
        var headers: [(String, String)] = []

        static func fcmError(_ status: Int, _ rpcStatus: String, fcmCode: String?, message: String, headers: [(String, String)] = []) -> Reply {
            let details =
                fcmCode.map {
                    #","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"\#($0)"}]"#
                } ?? ""
            let body = #"{"error":{"code":\#(status),"message":"\#(message)","status":"\#(rpcStatus)"\#(details)}}"#
            return Reply(status: status, body: body, headers: headers)
        }

        static let unregistered = fcmError(404, "NOT_FOUND", fcmCode: "UNREGISTERED", message: "Requested entity was not found.")
        static let invalidToken = fcmError(
            400, "INVALID_ARGUMENT", fcmCode: "INVALID_ARGUMENT", message: "The registration token is not a valid FCM registration token"
        )
        static let badField = fcmError(
            400, "INVALID_ARGUMENT", fcmCode: nil, message: "Invalid value at 'message.data[0].value' (TYPE_STRING), 12"
        )
        static let forbidden = fcmError(403, "PERMISSION_DENIED", fcmCode: "THIRD_PARTY_AUTH_ERROR", message: "APNs certificate refused")
        static let unauthorized = fcmError(401, "UNAUTHENTICATED", fcmCode: nil, message: "Request had invalid authentication credentials.")
        static let internalError = fcmError(500, "INTERNAL", fcmCode: "INTERNAL", message: "Internal error")
        static func unavailable(retryAfter: String?) -> Reply {
            fcmError(
                503, "UNAVAILABLE", fcmCode: "UNAVAILABLE", message: "The service is unavailable",
                headers: retryAfter.map { [("Retry-After", $0)] } ?? [])
        }
        static func quotaExceeded(retryAfter: String?) -> Reply {
            fcmError(
                429, "RESOURCE_EXHAUSTED", fcmCode: "QUOTA_EXCEEDED", message: "Quota exceeded",
                headers: retryAfter.map { [("Retry-After", $0)] } ?? [])
        }
    }

    var tokenRequests: [TokenRequest] = []
    var sends: [SendRequest] = []
    /// Access tokens issued and when each stops being accepted.
    var issued: [String: ContinuousClock.Instant] = [:]
    /// `expires_in` of the tokens issued from now on.
    var tokenLifetimeSeconds = 3600
    /// Answers for a device token, used in order; then success.
    var scripts: [String: [Reply]] = [:]
    /// Answers for every `messages:send`, used in order before per-token scripts.
    var globalScript: [Reply] = []
    /// Delay before answering each send, to keep several in flight.
    var sendDelay: Duration = .zero

    var validTokenRequests: Int { tokenRequests.filter { $0.refusal == nil }.count }
    func sends(to token: String) -> [SendRequest] { sends.filter { $0.token == token } }
}
