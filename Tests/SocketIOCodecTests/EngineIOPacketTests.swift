import NovyseSocketIOCodec
import Testing

/// The Engine.IO codec against the examples of the protocol specification.
@Suite struct EngineIOPacketTests {
    @Test func packetsRoundTrip() throws {
        #expect(try EngineIOPacket.decode("2probe") == EngineIOPacket(.ping, "probe"))
        #expect(try EngineIOPacket.decode("4hello") == EngineIOPacket(.message, "hello"))
        #expect(try EngineIOPacket.decode("6") == EngineIOPacket(.noop))
        #expect(EngineIOPacket(.pong, "probe").encoded == "3probe")
        for kind in [EngineIOPacket.Kind.open, .close, .ping, .pong, .message, .upgrade, .noop] {
            let packet = EngineIOPacket(kind, "data €")
            #expect(try EngineIOPacket.decode(Substring(packet.encoded)) == packet)
        }
    }

    @Test func malformedPacketsAreRefused() {
        #expect(throws: SocketIOProtocolError.emptyPacket) { try EngineIOPacket.decode("") }
        #expect(throws: SocketIOProtocolError.unknownPacketType) { try EngineIOPacket.decode("9x") }
        #expect(throws: SocketIOProtocolError.binaryNotSupported) { try EngineIOPacket.decode("bAQIDBA==") }
        #expect(SocketIOProtocolError.binaryNotSupported.code == "BINARY_NOT_SUPPORTED")
        #expect(SocketIOProtocolError.emptyPacket.code == "EMPTY_PACKET")
    }

    @Test func pollingPayloadsUseTheRecordSeparator() throws {
        let packets = try EngineIOPacket.decodePayload("4hello\u{1e}2\u{1e}4€uro")
        #expect(packets == [EngineIOPacket(.message, "hello"), EngineIOPacket(.ping), EngineIOPacket(.message, "€uro")])
        #expect(EngineIOPacket.encodePayload(["4a", "4b"]) == "4a\u{1e}4b")
        #expect(try EngineIOPacket.decodePayload(EngineIOPacket.encodePayload(packets.map(\.encoded))) == packets)
        #expect(throws: SocketIOProtocolError.emptyPacket) { try EngineIOPacket.decodePayload("4a\u{1e}") }
        #expect(throws: SocketIOProtocolError.emptyPacket) { try EngineIOPacket.decodePayload("") }
        #expect(throws: SocketIOProtocolError.binaryNotSupported) { try EngineIOPacket.decodePayload("4a\u{1e}bAQ==") }
    }

    @Test func openHandshakeIsRead() throws {
        let text = #"{"sid":"abc","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000}"#
        let open = try EngineIOOpen(EngineIOPacket(.open, text))
        #expect(open == EngineIOOpen(sid: "abc", upgrades: ["websocket"], pingInterval: 300, pingTimeout: 200, maxPayload: 1000))
        #expect(open.silenceLimit == .milliseconds(500))
        let defaults = try EngineIOOpen(EngineIOPacket(.open, #"{"sid":"x"}"#))
        #expect(defaults.pingInterval == 25_000 && defaults.pingTimeout == 20_000 && defaults.upgrades.isEmpty)
        #expect(throws: SocketIOProtocolError.invalidPayload) { try EngineIOOpen(EngineIOPacket(.open, "{")) }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try EngineIOOpen(EngineIOPacket(.open, #"{"pingInterval":1}"#)) }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try EngineIOOpen(EngineIOPacket(.message, #"{"sid":"x"}"#)) }
    }
}
