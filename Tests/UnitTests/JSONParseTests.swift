import Foundation
import NovyseCore
import Testing

/// `JSONValue(parsing:)`, the hand-written parser on the hot paths: it must accept exactly JSON and read it
/// as `JSONDecoder` did.
@Suite struct JSONParseTests {
    @Test func readsEveryKindOfValue() throws {
        let text = #" { "a" : [1, -2, 2.5, -0.5e-3, 1E2, 3.0, true, false, null, "", "x"], "b": {"c": {}}, "d": [] } "#
        let value = try JSONValue(parsing: text)
        #expect(value == ["a": [1, -2, 2.5, -0.0005, 100, 3, true, false, nil, "", "x"], "b": ["c": [:]], "d": []])
        #expect(try JSONValue(parsing: "9223372036854775807") == .integer(.max))
        #expect(try JSONValue(parsing: "9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try JSONValue(parsing: "-0") == .integer(0))
        #expect(try JSONValue(parsing: "1.5") == .double(1.5))
    }

    @Test func decodesEscapesAndUnicode() throws {
        #expect(try JSONValue(parsing: #""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{c}\n\r\t"))
        #expect(try JSONValue(parsing: #""\u00e9\u4E2D""#) == .string("é中"))
        #expect(try JSONValue(parsing: #""\ud83c\udf89 🎉""#) == .string("🎉 🎉"))
        #expect(try JSONValue(parsing: #"{"k\u0041":1,"kA":2}"#) == ["kA": 2])  // the last of repeated keys wins
    }

    @Test func agreesWithJSONDecoderOnValidText() throws {
        let samples = [
            #"{"chats":[{"chatUUID":"6f1c2a4e-0000-4000-8000-000000000001","eventID":12,"messageID":0}],"local":{"eventID":3}}"#,
            #"[1,2.25,"a\nb",{"x":[null,true]},-7]"#, #""é\u0000""#, "0", "[]",
        ]
        for text in samples {
            let expected = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(try JSONValue(parsing: text) == expected, "\(text)")
        }
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{a:1}", "{\"a\" 1}", "[1 2]", "01", "-", "1.", ".5", "1e", "+1", "NaN",
        "Infinity", "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
        "\"a\u{1}b\"", "[1] x", "1e999", "// c\n1", "'a'",
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func refusesInvalidUTF8AndBoundsDepth() throws {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xFF, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x22]) }
        let deep = String(repeating: "[", count: JSONValue.maximumDepth + 1) + String(repeating: "]", count: JSONValue.maximumDepth + 1)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        let allowed = String(repeating: "[", count: JSONValue.maximumDepth) + String(repeating: "]", count: JSONValue.maximumDepth)
        #expect(throws: Never.self) { try JSONValue(parsing: allowed) }
        let error = try #require(throws: JSONParseError.self) { try JSONValue(parsing: "[1, x]") }
        #expect(error.offset == 4)
    }

    @Test func uuidTextParsesLikeFoundation() {
        for text in ["6F1C2A4E-9B3D-4C5E-8F70-0123456789AB", "6f1c2a4e-9b3d-4c5e-8f70-0123456789ab", UUID().uuidString] {
            #expect(UUID(text: text) == UUID(uuidString: text))
            #expect(UUID(text: Substring(text)) == UUID(uuidString: text))
        }
        for text in [
            "", "6f1c2a4e9b3d4c5e8f700123456789ab", "6f1c2a4e-9b3d-4c5e-8f70-0123456789a", "6f1c2a4e-9b3d-4c5e-8f70-0123456789abc",
            "6f1c2a4e+9b3d-4c5e-8f70-0123456789ab", "6f1c2a4e-9b3d-4c5e-8f70-0123456789ag", "{6f1c2a4e-9b3d-4c5e-8f70-0123456789a}",
        ] {
            #expect(UUID(text: text) == nil, "\(text)")
            #expect(UUID(uuidString: text) == nil, "\(text)")
        }
    }
}
