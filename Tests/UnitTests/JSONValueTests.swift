import Foundation
import NovyseCore
import Testing

/// JSON text as packets and canonical bodies need it: the same value is always the same string.
@Suite struct JSONValueTests {
    @Test func textIsStableSortedAndEscaped() {
        let value: JSONValue = ["b": 1, "a": ["x\"y\n\u{1}\\/é", 2.5, 9_007_199_254_740_991, false, nil], "c": [:]]
        #expect(value.jsonText == #"{"a":["x\"y\n\u0001\\/é",2.5,9007199254740991,false,null],"b":1,"c":{}}"#)
        #expect(JSONValue.string("\t\r\u{1f}").jsonText == #""\t\r\u001f""#)
    }

    @Test func numbersPrintAsTheyParse() {
        #expect(JSONValue.integer(-42).jsonText == "-42")
        #expect(JSONValue.integer(.max).jsonText == "9223372036854775807")
        #expect(JSONValue.double(3).jsonText == "3")
        #expect(JSONValue.double(0.1).jsonText == "0.1")
        #expect(JSONValue.double(.infinity).jsonText == "null")
        #expect(JSONValue.double(1e300).jsonText == "1e+300")
    }

    @Test func parsingRoundTripsAndRefusesWhatIsNotJSON() {
        let value: JSONValue = ["id": 7, "ratio": 2.5, "name": "x", "tags": ["a", nil, true]]
        #expect(JSONValue.parse(value.jsonText) == value)
        #expect(JSONValue.parse(Data(value.jsonText.utf8)) == value)
        #expect(JSONValue.parse("\"top-level string\"") == .string("top-level string"))
        #expect(JSONValue.parse("12") == .integer(12))
        #expect(JSONValue.parse("{") == nil)
        #expect(JSONValue.parse("[1] 2") == nil)
        #expect(JSONValue.parse(Substring("x{\"a\":1}").dropFirst()) == ["a": 1])
    }

    @Test func accessorsReadTypedValuesAndNilOtherwise() {
        let value: JSONValue = ["s": "a", "i": 5, "d": 5.0, "f": 0.5, "b": true, "u": "8C4D3F56-0B6E-4B8E-9B5E-3D5A0A9F6C11", "o": [["k": 1]]]
        #expect(value["s"]?.stringValue == "a" && value["i"]?.stringValue == nil)
        #expect(value["i"]?.int64Value == 5 && value["d"]?.int64Value == 5 && value["f"]?.int64Value == nil)
        #expect(value["i"]?.doubleValue == 5 && value["f"]?.doubleValue == 0.5 && value["s"]?.doubleValue == nil)
        #expect(value["b"]?.boolValue == true)
        #expect(value["u"]?.uuidValue == UUID(uuidString: "8c4d3f56-0b6e-4b8e-9b5e-3d5a0a9f6c11"))
        #expect(value["o"]?.objectsValue == [["k": 1]])
        #expect(value["missing"] == nil && JSONValue.array([1])["s"] == nil)
    }
}
