import Foundation

/// What one HTTP exchange with FCM means for the caller. Kept apart from the transport so the rules
/// (which answers remove a token, which are retried) can be read and tested in one place.
enum FCMAttemptResult: Sendable, Equatable {
    case delivered
    /// The token will never work again: the caller removes it.
    case tokenInvalid(reason: String)
    /// Worth trying again; `after` is the server's `Retry-After` when it gave one.
    case retry(after: Duration?, status: Int?, detail: String)
    /// The access token was refused: refresh it and try once more.
    case unauthorized
    /// Retrying cannot help: logged and dropped.
    case rejected(status: Int, fcmCode: String?, detail: String)
}

/// Classifies FCM HTTP v1 answers following the error-code reference
/// (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode).
enum FCMResponseClassifier {
    /// The error body of the v1 API: `{"error": {"code", "message", "status", "details": [{"@type", "errorCode"}]}}`.
    struct ErrorBody: Decodable {
        struct Inner: Decodable {
            let message: String?
            let status: String?
            let details: [Detail]?
        }

        struct Detail: Decodable {
            let type: String?
            let errorCode: String?

            enum CodingKeys: String, CodingKey {
                case type = "@type"
                case errorCode
            }
        }

        let error: Inner?
    }

    static func classify(status: Int, body: Data, retryAfter: String?, now: Date = Date()) -> FCMAttemptResult {
        if (200..<300).contains(status) { return .delivered }
        let parsed = (try? JSONDecoder().decode(ErrorBody.self, from: body))?.error
        let fcmCode = parsed?.details?.compactMap(\.errorCode).first
        let detail = parsed?.message ?? String(decoding: body.prefix(300), as: UTF8.self)
        switch (status, fcmCode) {
        case (_, "UNREGISTERED"):
            return .tokenInvalid(reason: "UNREGISTERED")
        case (404, _) where parsed?.status == "NOT_FOUND":
            // Only FCM's own error shape counts: a bare 404 from a proxy or a wrong base URL must not
            // wipe every token of the deployment.
            return .tokenInvalid(reason: "NOT_FOUND")
        case (_, "SENDER_ID_MISMATCH"):
            // The token belongs to another Firebase project: it can never be used with this key.
            return .tokenInvalid(reason: "SENDER_ID_MISMATCH")
        case (400, _) where isInvalidToken(fcmCode: fcmCode, status: parsed?.status, message: detail):
            return .tokenInvalid(reason: "INVALID_ARGUMENT")
        case (401, _):
            return .unauthorized
        case (429, _), (500, _), (502, _), (503, _), (504, _):
            return .retry(after: parseRetryAfter(retryAfter, now: now), status: status, detail: detail)
        default:
            return .rejected(status: status, fcmCode: fcmCode ?? parsed?.status, detail: detail)
        }
    }

    /// A 400 `INVALID_ARGUMENT` is about the registration token only when FCM says so: the same code also
    /// covers an oversized message or a bad field, which say nothing about the token.
    static func isInvalidToken(fcmCode: String?, status: String?, message: String) -> Bool {
        guard fcmCode == "INVALID_ARGUMENT" || status == "INVALID_ARGUMENT" else { return false }
        let lowered = message.lowercased()
        return lowered.contains("registration token") || lowered.contains("message.token")
    }

    /// `Retry-After` as delay-seconds or as an HTTP date (RFC 9110 §10.2.3); nil when absent or unreadable.
    /// A date in the past means "now".
    static func parseRetryAfter(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: value) {
                let milliseconds = max(0, Int((date.timeIntervalSince(now) * 1000).rounded(.up)))
                return .milliseconds(milliseconds)
            }
        }
        return nil
    }
}
