import Foundation
import NovyseCore
import TestSupport
import Testing

/// The derivation reads what a type's `init(from:)` asks for, and the checker holds JSON to the result: the
/// two halves of "the description is generated from the types and real answers keep it".
@Suite("Schema derivation")
struct SchemaDerivationTests {
    enum Kind: String, Codable, CaseIterable, SchemaEnumeration {
        case small = "SMALL"
        case large = "LARGE"
    }

    struct Inner: SchemaDescribed {
        var label: String
    }

    struct Sample: SchemaDescribed {
        var name: String
        var count: Int64?
        var color: NullOr<String>
        var kind: Kind
        var tags: [String]
        var size: UInt32
        var inner: Inner
        var maybeInner: NullOr<Inner>
        static var propertyRules: [String: JSONValue] { ["name": ["maxLength": 3], "count": ["minimum": 1]] }
    }

    struct Misnamed: SchemaDescribed {
        var name: String
        static var propertyRules: [String: JSONValue] { ["title": ["maxLength": 3]] }
    }

    @Test("decode is required, decodeIfPresent optional and nullable, NullOr required and nullable")
    func requiredAndNullable() throws {
        let shape = try SchemaDerivation.shape(of: Sample.self)
        #expect(shape.keys == ["name", "count", "color", "kind", "tags", "size", "inner", "maybeInner"])
        #expect(Set(shape.required) == ["name", "color", "kind", "tags", "size", "inner", "maybeInner"])
        #expect(shape.properties["name"] == ["type": "string"])
        #expect(shape.properties["count"] == ["type": ["integer", "null"], "format": "int64"])
        #expect(shape.properties["color"] == ["type": ["string", "null"]])
        #expect(shape.properties["tags"] == ["type": "array", "items": ["type": "string"]])
        #expect(shape.properties["size"] == ["type": "integer", "format": "int32", "minimum": 0])
        #expect(shape.properties["inner"] == ["$ref": "#/components/schemas/Inner"])
        #expect(shape.properties["maybeInner"] == ["oneOf": [["$ref": "#/components/schemas/Inner"], ["type": "null"]]])
        #expect(Sample.schemaKeys == shape.keys)
    }

    @Test("a string enumeration lists its raw values")
    func enumeration() throws {
        let shape = try SchemaDerivation.shape(of: Sample.self)
        #expect(shape.properties["kind"] == ["enum": ["SMALL", "LARGE"]])
    }

    @Test("rules refine derived properties, and a rule on a key the type does not decode is an error")
    func rules() throws {
        let schema = try Sample.componentSchema()
        #expect(schema.objectValue?["additionalProperties"] == false)
        let properties = schema.objectValue?["properties"]?.objectValue
        #expect(properties?["name"] == ["type": "string", "maxLength": 3])
        #expect(properties?["count"] == ["type": ["integer", "null"], "format": "int64", "minimum": 1])
        #expect(throws: SchemaDerivation.Failure.self) { try Misnamed.componentSchema() }
    }

    @Test("the checker refuses extra keys, missing keys, wrong types, values outside an enum and limits")
    func checker() throws {
        let document: JSONValue = [
            "components": [
                "schemas": ["Sample": try Sample.componentSchema(), "Inner": try Inner.componentSchema()]
            ]
        ]
        let checker = SchemaChecker(document: document)
        let valid: [String: JSONValue] = [
            "name": "abc", "color": .null, "kind": "SMALL", "tags": ["x"], "size": 3, "inner": ["label": "l"], "maybeInner": .null,
        ]
        #expect(checker.violations(of: .object(valid), against: "Sample") == [])
        func broken(_ key: String, _ value: JSONValue?) -> [String] {
            var fields = valid
            fields[key] = value
            return checker.violations(of: .object(fields), against: "Sample")
        }
        #expect(broken("extra", 1).count == 1)
        #expect(broken("color", nil).count == 1)
        #expect(broken("name", 5).count == 1)
        #expect(broken("name", "abcd").count == 1)
        #expect(broken("kind", "HUGE").count == 1)
        #expect(broken("count", 0).count == 1)
        #expect(broken("count", .null) == [])
        #expect(broken("tags", ["x", 2]).count == 1)
        #expect(broken("inner", ["label": "l", "more": true]).count == 1)
        #expect(broken("maybeInner", ["label": "l"]) == [])
        #expect(checker.violations(of: "x", against: "Missing") == ["no component schema Missing"])
        let strange = SchemaChecker(document: ["components": ["schemas": ["S": ["type": "string", "contentEncoding": "base64"]]]])
        #expect(strange.violations(of: "x", against: "S") == ["S: unknown keyword contentEncoding"])
    }
}
