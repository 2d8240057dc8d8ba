import HTTPTypes
import Hummingbird
import NIOCore

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

    public var message: String {
        switch self {
        case .unknownTransport: "Transport unknown"
        case .unknownSession: "Session ID unknown"
        case .badHandshakeMethod: "Bad handshake method"
        case .badRequest: "Bad request"
        case .forbidden: "Forbidden"
        case .unsupportedProtocolVersion: "Unsupported protocol version"
        case .payloadTooLarge: "Payload too large"
        }
    }

    var status: HTTPResponse.Status {
        switch self {
        case .forbidden: .forbidden
        case .payloadTooLarge: .contentTooLarge
        default: .badRequest
        }
    }

    /// `{"code": n, "message": "…"}` with the fitting status.
    public var response: Response {
        let body: JSON = ["code": .number(Double(rawValue)), "message": .string(message)]
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body.text))
        )
    }
}
