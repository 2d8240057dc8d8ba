import NovyseCore

/// The handshake object of an Engine.IO `open` packet (`0{"sid":…}`): what a client needs to keep the
/// session alive and to know how long a silent server may be silent.
public struct EngineIOOpen: Sendable, Equatable {
    public var sid: String
    public var upgrades: [String]
    /// Milliseconds between the server's pings.
    public var pingInterval: Int64
    /// Milliseconds the server waits for a pong (and a client may wait past the interval for a ping).
    public var pingTimeout: Int64
    public var maxPayload: Int64

    public init(sid: String, upgrades: [String] = [], pingInterval: Int64, pingTimeout: Int64, maxPayload: Int64) {
        self.sid = sid
        self.upgrades = upgrades
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
    }

    /// Reads the handshake of an `open` packet; `invalidPayload` when it is another packet or lacks a `sid`.
    public init(_ packet: EngineIOPacket) throws(SocketIOProtocolError) {
        guard packet.kind == .open, case .object(let members)? = JSONValue(packetText: Substring(packet.data)),
            case .string(let sid)? = members["sid"]
        else { throw .invalidPayload }
        func number(_ key: String, _ fallback: Int64) -> Int64 {
            switch members[key] {
            case .integer(let value)?: value
            case .double(let value)?: Int64(exactly: value.rounded()) ?? fallback
            default: fallback
            }
        }
        let upgrades: [String] =
            if case .array(let values)? = members["upgrades"] {
                values.compactMap { if case .string(let name) = $0 { name } else { nil } }
            } else { [] }
        // The protocol's defaults, for a server that leaves a field out.
        self.init(
            sid: sid, upgrades: upgrades, pingInterval: number("pingInterval", 25_000),
            pingTimeout: number("pingTimeout", 20_000), maxPayload: number("maxPayload", 1_000_000)
        )
    }

    /// How long a client may hear nothing before it treats the server as gone: a ping is due every
    /// `pingInterval`, and the server itself waits `pingTimeout` for the answer.
    public var silenceLimit: Duration { .milliseconds(pingInterval + pingTimeout) }
}
