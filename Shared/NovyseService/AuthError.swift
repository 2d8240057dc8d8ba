/// Why a token was refused; the codes are the ones `api.md` names for Socket.IO CONNECT_ERROR too.
public enum AuthError: Error, Sendable, Equatable {
    case noToken
    case invalidToken
    case tokenExpired

    public var code: String {
        switch self {
        case .noToken: "AUTH_NO_TOKEN"
        case .invalidToken: "AUTH_INVALID_TOKEN"
        case .tokenExpired: "AUTH_TOKEN_EXPIRED"
        }
    }

    public var message: String {
        switch self {
        case .noToken: "an access token is required"
        case .invalidToken: "the access token is not valid"
        case .tokenExpired: "the access token has expired"
        }
    }
}
