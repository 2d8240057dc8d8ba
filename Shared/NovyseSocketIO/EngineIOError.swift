import HTTPTypes
import Hummingbird
import NIOCore
import NovyseCore

/// The HTTP errors of the Engine.IO protocol, with the codes and messages of the reference server, so
/// clients that inspect them (python-socketio raises them as `ConnectionError` arguments) understand them.
public enum EngineIOError: Int, Error, Sendable, CaseIterable {
    case unknownTransport = 0
    case unknownSession = 1
    case badHandshakeMethod = 2
    case badRequest = 3
    case forbidden = 4
    case unsupportedProtocolVersion = 5
    /// Not a reference-server code: a POST body above `maxPayload` is answered with HTTP 413.
    case payloadTooLarge = 413
    /// Not reference-server codes either: a handshake over a cap on unauthenticated sessions. The reference
    /// server's `allowRequest` refuses with 403 and code 4 (forbidden); a capacity refusal is not about
    /// permission, so these answer 503 (the server's cap; a proxy may try another replica) and 429 (the
    /// address's cap). The official clients treat every refused handshake alike: `connect_error`, then
    /// their reconnection backoff.
    case tooManySessions = 503
    case tooManySessionsFromAddress = 429

    public var message: String {
        switch self {
        case .unknownTransport: "Transport unknown"
        case .unknownSession: "Session ID unknown"
        case .badHandshakeMethod: "Bad handshake method"
        case .badRequest: "Bad request"
        case .forbidden: "Forbidden"
        case .unsupportedProtocolVersion: "Unsupported protocol version"
        case .payloadTooLarge: "Payload too large"
        case .tooManySessions: "Too many unauthenticated sessions"
        case .tooManySessionsFromAddress: "Too many unauthenticated sessions from this address"
        }
    }

    var status: HTTPResponse.Status {
        switch self {
        case .forbidden: .forbidden
        case .payloadTooLarge: .contentTooLarge
        case .tooManySessions: .serviceUnavailable
        case .tooManySessionsFromAddress: .tooManyRequests
        default: .badRequest
        }
    }

    /// `{"code": n, "message": "…"}` with the fitting status.
    public var response: Response {
        let body: JSONValue = ["code": .integer(Int64(rawValue)), "message": .string(message)]
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body.jsonText))
        )
    }
}

extension EngineIOError {
    /// The answer to a handshake refused by a session cap.
    init(_ refusal: SocketIOHandshakeRefusal) {
        switch refusal {
        case .tooManySessions: self = .tooManySessions
        case .tooManySessionsFromAddress: self = .tooManySessionsFromAddress
        }
    }
}
