/// One Engine.IO v4 packet: a type digit followed by text data.
///
/// Only text packets are supported. Binary packets (`b<base64>` in a polling payload, binary WebSocket
/// frames) are refused with a decoding error, which closes the session: nothing in Novyse sends binary, and
/// refusing it keeps the per-session state small. The refusal is documented in docs/api.md.
public struct EngineIOPacket: Sendable, Equatable {
    public enum Kind: Character, Sendable {
        case open = "0"
        case close = "1"
        case ping = "2"
        case pong = "3"
        case message = "4"
        case upgrade = "5"
        case noop = "6"
    }

    public let kind: Kind
    public let data: String

    public init(_ kind: Kind, _ data: String = "") {
        self.kind = kind
        self.data = data
    }

    /// The packet as it goes into a WebSocket text frame or a polling payload.
    public var encoded: String { String(kind.rawValue) + data }

    /// Parses one encoded packet.
    public static func decode(_ text: Substring) throws(SocketIOProtocolError) -> EngineIOPacket {
        guard let first = text.first else { throw .emptyPacket }
        if first == "b" { throw .binaryNotSupported }
        guard let kind = Kind(rawValue: first) else { throw .unknownPacketType }
        return EngineIOPacket(kind, String(text.dropFirst()))
    }

    /// The record separator between packets of one HTTP long-polling payload.
    public static let separator: Character = "\u{1e}"

    /// Joins encoded packets into one polling payload.
    public static func encodePayload(_ encodedPackets: [String]) -> String {
        encodedPackets.joined(separator: String(separator))
    }

    /// Splits a polling payload into packets.
    public static func decodePayload(_ payload: String) throws(SocketIOProtocolError) -> [EngineIOPacket] {
        var packets: [EngineIOPacket] = []
        for part in payload.split(separator: separator, omittingEmptySubsequences: false) {
            packets.append(try decode(part))
        }
        return packets
    }
}
