import NovyseCore

/// One Socket.IO v5 packet, carried in the data of an Engine.IO `message` packet:
/// `<type>[<attachments>-][<namespace>,][<ack id>][<JSON>]`.
///
/// The namespace is omitted on the wire when it is the default `/`. Binary packet types (5, 6) are refused
/// with `binaryNotSupported` (nothing in Novyse sends binary); their attachments are never read. The server
/// and every client share this codec, so no client parses packets by prefix on its own.
public struct SocketIOPacket: Sendable, Equatable {
    public enum Kind: Character, Sendable {
        case connect = "0"
        case disconnect = "1"
        case event = "2"
        case ack = "3"
        case connectError = "4"
        case binaryEvent = "5"
        case binaryAck = "6"
    }

    public var kind: Kind
    public var namespace: String
    public var ackID: UInt64?
    public var data: JSONValue?

    public init(_ kind: Kind, namespace: String = "/", ackID: UInt64? = nil, data: JSONValue? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.ackID = ackID
        self.data = data
    }

    /// The text of the packet (without the Engine.IO `4` in front).
    public var encoded: String {
        var output = String(kind.rawValue)
        if namespace != "/" { output += namespace + "," }
        if let ackID { output += String(ackID) }
        if let data { output += data.jsonText }
        return output
    }

    /// The packet inside its Engine.IO message (`4…`), as it goes into a WebSocket frame or a polling payload.
    public var engineIOEncoded: String { EngineIOPacket(.message, encoded).encoded }

    /// The name and arguments of an EVENT (decoding has checked the shape); nil for other types.
    public var event: (name: String, arguments: [JSONValue])? {
        guard kind == .event, case .array(let values)? = data, case .string(let name)? = values.first else { return nil }
        return (name, Array(values.dropFirst()))
    }

    /// Largest acknowledgement ID accepted; JavaScript clients count up from 0 and stay far below it.
    public static let maxAckID: UInt64 = 9_007_199_254_740_991

    /// Parses the text of a packet (without the Engine.IO `4`), checking the payload shape of its type.
    public static func decode(_ text: String) throws(SocketIOProtocolError) -> SocketIOPacket {
        var rest = Substring(text)
        guard let first = rest.popFirst() else { throw .emptyPacket }
        guard let kind = Kind(rawValue: first) else { throw .unknownPacketType }
        if kind == .binaryEvent || kind == .binaryAck { throw .binaryNotSupported }
        var namespace = "/"
        if rest.first == "/" {
            if let comma = rest.firstIndex(of: ",") {
                namespace = String(rest[..<comma])
                rest = rest[rest.index(after: comma)...]
            } else {
                namespace = String(rest)
                rest = ""
            }
            guard namespace.count <= 256 else { throw .invalidNamespace }
        }
        var ackID: UInt64?
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty {
            guard digits.count <= 16, let value = UInt64(digits), value <= maxAckID else { throw .invalidAckID }
            ackID = value
            rest = rest.dropFirst(digits.count)
        }
        var data: JSONValue?
        if !rest.isEmpty {
            guard let parsed = JSONValue(packetText: rest) else { throw .invalidPayload }
            data = parsed
        }
        let packet = SocketIOPacket(kind, namespace: namespace, ackID: ackID, data: data)
        try packet.validate()
        return packet
    }

    /// The payload shapes the protocol allows for each type (an event is a non-empty array whose first
    /// element is the name; a CONNECT payload, when present, is an object).
    func validate() throws(SocketIOProtocolError) {
        switch kind {
        case .connect:
            if let data, case .object = data {} else if data != nil { throw .invalidPayload }
        case .disconnect:
            if data != nil { throw .invalidPayload }
        case .event:
            guard case .array(let values)? = data, let name = values.first, case .string = name else {
                throw .invalidPayload
            }
        case .ack:
            guard ackID != nil, case .array? = data else { throw .invalidPayload }
        case .connectError:
            guard data != nil else { throw .invalidPayload }
        case .binaryEvent, .binaryAck:
            throw .binaryNotSupported
        }
    }

    /// The text of an EVENT packet whose arguments are JSON text already, so one item fanned out to many
    /// sockets is serialized once.
    public static func encodedEvent(name: String, encodedArguments: [String]) -> String {
        var output = "2[" + JSONValue.quoted(name)
        for argument in encodedArguments {
            output += ","
            output += argument
        }
        output += "]"
        return output
    }
}
