import NovyseCore
import NovyseSocketIOCodec
import Testing

/// The Socket.IO codec against the examples of the protocol specification.
@Suite struct SocketIOPacketTests {
    @Test func packetsDecode() throws {
        let connect = try SocketIOPacket.decode(#"0{"token":"abc"}"#)
        #expect(connect == SocketIOPacket(.connect, data: .object(["token": .string("abc")])))
        #expect(try SocketIOPacket.decode("0") == SocketIOPacket(.connect))
        #expect(try SocketIOPacket.decode(#"0/admin,{"token":"x"}"#).namespace == "/admin")
        #expect(try SocketIOPacket.decode("0/admin,").namespace == "/admin")
        let event = try SocketIOPacket.decode(#"2["hello",1,{"a":[true,null]}]"#)
        let arguments: [JSONValue] = [.integer(1), .object(["a": .array([.bool(true), .null])])]
        #expect(event == SocketIOPacket(.event, data: .array([.string("hello")] + arguments)))
        #expect(event.event?.name == "hello")
        #expect(event.event?.arguments == arguments)
        let withAck = try SocketIOPacket.decode(#"213["echo","x"]"#)
        #expect(withAck.ackID == 13)
        #expect(withAck.data == .array([.string("echo"), .string("x")]))
        let ack = try SocketIOPacket.decode(#"3/admin,7["ok"]"#)
        #expect(ack == SocketIOPacket(.ack, namespace: "/admin", ackID: 7, data: .array([.string("ok")])))
        #expect(ack.event == nil)
        #expect(try SocketIOPacket.decode("1") == SocketIOPacket(.disconnect))
        let refusal = try SocketIOPacket.decode(#"4{"message":"no"}"#)
        #expect(refusal.kind == .connectError)
    }

    @Test func malformedPacketsAreRefused() {
        #expect(throws: SocketIOProtocolError.emptyPacket) { try SocketIOPacket.decode("") }
        #expect(throws: SocketIOProtocolError.unknownPacketType) { try SocketIOPacket.decode("9") }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try SocketIOPacket.decode("2[") }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try SocketIOPacket.decode("2[1,2]") }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try SocketIOPacket.decode(#"2{"a":1}"#) }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try SocketIOPacket.decode(#"0"token""#) }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try SocketIOPacket.decode("3[]") }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try SocketIOPacket.decode(#"1{"a":1}"#) }
        #expect(throws: SocketIOProtocolError.invalidPayload) { try SocketIOPacket.decode("4") }
        #expect(throws: SocketIOProtocolError.binaryNotSupported) { try SocketIOPacket.decode(#"51-["a",{"_placeholder":true,"num":0}]"#) }
        #expect(throws: SocketIOProtocolError.binaryNotSupported) { try SocketIOPacket.decode(#"61-3[{"_placeholder":true,"num":0}]"#) }
        #expect(throws: SocketIOProtocolError.invalidAckID) { try SocketIOPacket.decode(#"299999999999999999999["a"]"#) }
        #expect(throws: SocketIOProtocolError.invalidNamespace) {
            try SocketIOPacket.decode("0/" + String(repeating: "n", count: 300) + ",")
        }
    }

    @Test func packetsEncode() {
        #expect(SocketIOPacket(.connect, data: .object(["sid": .string("abc")])).encoded == #"0{"sid":"abc"}"#)
        let refusal = SocketIOPacket(
            .connectError, data: .object(["message": .string("no"), "data": .object(["code": .string("AUTH_NO_TOKEN")])])
        )
        #expect(refusal.encoded == #"4{"data":{"code":"AUTH_NO_TOKEN"},"message":"no"}"#)
        #expect(refusal.engineIOEncoded == #"44{"data":{"code":"AUTH_NO_TOKEN"},"message":"no"}"#)
        #expect(
            SocketIOPacket(.connectError, namespace: "/x", data: .object(["message": .string("Invalid namespace")])).encoded
                == #"4/x,{"message":"Invalid namespace"}"#)
        #expect(SocketIOPacket(.ack, ackID: 4, data: .array([.string("a")])).encoded == #"34["a"]"#)
        #expect(SocketIOPacket(.disconnect).encoded == "1")
        #expect(
            SocketIOPacket.encodedEvent(name: "message:new", encodedArguments: [#"{"id":1}"#])
                == #"2["message:new",{"id":1}]"#)
        #expect(SocketIOPacket.encodedEvent(name: "a\"b", encodedArguments: []) == #"2["a\"b"]"#)
    }

    @Test func packetsRoundTrip() throws {
        let packets = [
            SocketIOPacket(.connect, data: .object(["token": .string("t"), "n": .integer(9_007_199_254_740_991)])),
            SocketIOPacket(.connect, namespace: "/admin"),
            SocketIOPacket(.disconnect),
            SocketIOPacket(.event, ackID: 12, data: .array([.string("x\"y\n\u{1}"), .double(2.5), .bool(false), .null])),
            SocketIOPacket(.event, namespace: "/chat", data: .array([.string("e")])),
            SocketIOPacket(.ack, ackID: SocketIOPacket.maxAckID, data: .array([])),
            SocketIOPacket(.connectError, data: .object(["message": .string("refused")])),
        ]
        for packet in packets {
            #expect(try SocketIOPacket.decode(packet.encoded) == packet)
            #expect(try EngineIOPacket.decode(Substring(packet.engineIOEncoded)) == EngineIOPacket(.message, packet.encoded))
        }
    }
}
