/// Why incoming bytes were not a valid Engine.IO or Socket.IO packet. Any of these closes the session, as
/// the reference server does.
public enum SocketIOProtocolError: Error, Sendable, Equatable {
    case emptyPacket
    case unknownPacketType
    case binaryNotSupported
    case invalidNamespace
    case invalidAckID
    case invalidPayload

    public var code: String {
        switch self {
        case .emptyPacket: "EMPTY_PACKET"
        case .unknownPacketType: "UNKNOWN_PACKET_TYPE"
        case .binaryNotSupported: "BINARY_NOT_SUPPORTED"
        case .invalidNamespace: "INVALID_NAMESPACE"
        case .invalidAckID: "INVALID_ACK_ID"
        case .invalidPayload: "INVALID_PAYLOAD"
        }
    }
}
