import NovyseSocketIO
import Testing

/// The server's JSON text (the packet codecs themselves are tested in SocketIOCodecTests).
@Suite struct PacketCodecTests {
    @Test func jsonIsStableAndEscaped() throws {
        let value: JSON = ["b": 1, "a": ["x\"y\n\u{1}", 2.5, 9_007_199_254_740_991, false, nil]]
        #expect(value.text == #"{"a":["x\"y\n\u0001",2.5,9007199254740991,false,null],"b":1}"#)
        #expect(JSON(parsing: value.text) == value)
        #expect(JSON(parsing: "{") == nil)
        #expect(JSON(parsing: "\"top-level string\"") == .string("top-level string"))
    }
}
