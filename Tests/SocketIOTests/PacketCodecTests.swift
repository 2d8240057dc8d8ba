import NovyseSocketIO
import Testing

/// The Engine.IO and Socket.IO codecs against the examples of the protocol specifications.
@Suite struct PacketCodecTests {
    @Test func engineIOPacketsRoundTrip() throws {
        #expect(try EngineIOPacket.decode("2probe") == EngineIOPacket(.ping, "probe"))
        #expect(try EngineIOPacket.decode("4hello") == EngineIOPacket(.message, "hello"))
        #expect(try EngineIOPacket.decode("6") == EngineIOPacket(.noop))
        #expect(EngineIOPacket(.pong, "probe").encoded == "3probe")
        #expect(throws: SocketIOProtocolError.emptyPacket) { try EngineIOPacket.decode("") }
        #expect(throws: SocketIOProtocolError.unknownPacketType) { try EngineIOPacket.decode("9x") }
        #expect(throws: SocketIOProtocolError.binaryNotSupported) { try EngineIOPacket.decode("bAQIDBA==") }
    }

    @Test func pollingPayloadsUseTheRecordSeparator() throws {
        let packets = try EngineIOPacket.decodePayload("4hello\u{1e}2\u{1e}4€uro")
        #expect(packets == [EngineIOPacket(.message, "hello"), EngineIOPacket(.ping), EngineIOPacket(.message, "€uro")])
        #expect(EngineIOPacket.encodePayload(["4a", "4b"]) == "4a\u{1e}4b")
        #expect(throws: SocketIOProtocolError.emptyPacket) { try EngineIOPacket.decodePayload("4a\u{1e}") }
        #expect(throws: SocketIOProtocolError.binaryNotSupported) { try EngineIOPacket.decodePayload("4a\u{1e}bAQ==") }
    }

    @Test func socketIOPacketsDecode() throws {
        let connect = try SocketIOPacket.decode(#"0{"token":"abc"}"#)
        #expect(connect == SocketIOPacket(.connect, data: ["token": "abc"]))
        #expect(try SocketIOPacket.decode("0") == SocketIOPacket(.connect))
        #expect(try SocketIOPacket.decode(#"0/admin,{"token":"x"}"#).namespace == "/admin")
        #expect(try SocketIOPacket.decode("0/admin,").namespace == "/admin")
        let event = try SocketIOPacket.decode(#"2["hello",1,{"a":[true,null]}]"#)
        #expect(event == SocketIOPacket(.event, data: ["hello", 1, ["a": [true, nil]]]))
        let withAck = try SocketIOPacket.decode(#"213["echo","x"]"#)
        #expect(withAck.ackID == 13)
        #expect(withAck.data == ["echo", "x"])
        let ack = try SocketIOPacket.decode(#"3/admin,7["ok"]"#)
        #expect(ack == SocketIOPacket(.ack, namespace: "/admin", ackID: 7, data: ["ok"]))
        #expect(try SocketIOPacket.decode("1") == SocketIOPacket(.disconnect))
    }

    @Test func malformedSocketIOPacketsAreRefused() {
        #expect(throws: SocketIOProtocolError.unknownPacketType) { try SocketIOPacket.decode("9") }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try SocketIOPacket.decode("2[") }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try SocketIOPacket.decode("2[1,2]") }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try SocketIOPacket.decode(#"2{"a":1}"#) }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try SocketIOPacket.decode(#"0"token""#) }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try SocketIOPacket.decode("3[]") }
        #expect(throws: SocketIOProtocolError.binaryNotSupported) { try SocketIOPacket.decode(#"51-["a",{"_placeholder":true,"num":0}]"#) }
        #expect(throws: SocketIOProtocolError.invalidAckID) { try SocketIOPacket.decode(#"299999999999999999999["a"]"#) }
    }

    @Test func socketIOPacketsEncode() {
        #expect(SocketIOPacket(.connect, data: ["sid": "abc"]).encoded == #"0{"sid":"abc"}"#)
        let refusal = SocketIOPacket(.connectError, data: ["message": "no", "data": ["code": "AUTH_NO_TOKEN"]])
        #expect(refusal.encoded == #"4{"data":{"code":"AUTH_NO_TOKEN"},"message":"no"}"#)
        #expect(SocketIOPacket(.connectError, namespace: "/x", data: ["message": "Invalid namespace"]).encoded
            == #"4/x,{"message":"Invalid namespace"}"#)
        #expect(SocketIOPacket(.ack, ackID: 4, data: ["a"]).encoded == #"34["a"]"#)
        #expect(SocketIOPacket(.disconnect).encoded == "1")
        #expect(SocketIOPacket.encodedEvent(name: "message:new", encodedArguments: [#"{"id":1}"#])
            == #"2["message:new",{"id":1}]"#)
    }

    @Test func jsonIsStableAndEscaped() throws {
        let value: JSON = ["b": 1, "a": ["x\"y\n\u{1}", 2.5, 9_007_199_254_740_991, false, nil]]
        #expect(value.text == #"{"a":["x\"y\n\u0001",2.5,9007199254740991,false,null],"b":1}"#)
        #expect(JSON(parsing: value.text) == value)
        #expect(JSON(parsing: "{") == nil)
        #expect(JSON(parsing: "\"top-level string\"") == .string("top-level string"))
    }
}
