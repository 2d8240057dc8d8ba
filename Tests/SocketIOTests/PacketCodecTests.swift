import NovyseCore
import NovyseSocketIO
import Testing

/// The server's JSON text (the packet codecs themselves are tested in SocketIOCodecTests).
@Suite struct PacketCodecTests {
    @Test func jsonIsStableAndEscaped() throws {
        let value: JSONValue = ["b": 1, "a": ["x\"y\n\u{1}", 2.5, 9_007_199_254_740_991, false, nil]]
        #expect(value.jsonText == #"{"a":["x\"y\n\u0001",2.5,9007199254740991,false,null],"b":1}"#)
        #expect(JSONValue.parse(value.jsonText) == value)
        #expect(JSONValue.parse("{") == nil)
        #expect(JSONValue.parse("\"top-level string\"") == .string("top-level string"))
    }
}
