import NovyseCore

/// Why a caller was refused at authentication; the codes are the ones `api.md` names for the HTTP APIs'
/// 401 and for Socket.IO CONNECT_ERROR (and `AUTH_TOKEN_EXPIRED` for the notice before a live socket whose
/// token expired is disconnected).
public enum AuthError: Error, Sendable, Equatable {
    case noToken
    case invalidToken
    case tokenExpired
    /// Socket.IO only: the token is good, but its user has `limit` live sockets on this process already.
    case tooManySockets(limit: Int)

    public var code: ErrorCode {
        switch self {
        case .noToken: .authNoToken
        case .invalidToken: .authInvalidToken
        case .tokenExpired: .authTokenExpired
        case .tooManySockets: .tooManySockets
        }
    }

    public var message: String {
        switch self {
        case .noToken: "an access token is required"
        case .invalidToken: "the access token is not valid"
        case .tokenExpired: "the access token has expired"
        case .tooManySockets(let limit): "this user has the most live sockets allowed (\(limit)); close one first"
        }
    }
}
