import Foundation

/// Derives the JSON Schema of a `Decodable` type from its own `init(from:)`: the type is decoded once from a
/// recording decoder that answers every request with a sample value and notes what was asked for, under
/// which key, and whether with `decode` (required) or `decodeIfPresent` (optional, and `null` accepted, as
/// `JSONDecoder` does).
///
/// This is what makes the OpenAPI description generated rather than written beside the code: a field added
/// to, renamed in or removed from a request or answer type changes its schema, its required list and the
/// keys the command service accepts (`CommandRequest.keys`) in the same build. What the type system cannot
/// say (length limits, patterns, descriptions) is added by `SchemaDescribed.propertyRules`, which may only
/// name properties the derivation found.
public enum SchemaDerivation {
    /// An object's derived shape: its properties' schemas, and which must be present.
    public struct Shape: Sendable, Equatable {
        public var properties: [String: JSONValue]
        /// In the order `init(from:)` asks for them.
        public var required: [String]
        public var keys: Set<String> { Set(properties.keys) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The shape of a type decoded from a keyed container (a struct or class with `Codable` synthesis).
    public static func shape<T: Decodable>(of type: T.Type) throws -> Shape {
        let recorder = Recorder()
        _ = try T(from: RecordingDecoder(recorder: recorder, codingPath: []))
        return Shape(properties: recorder.properties, required: recorder.required)
    }

    /// The schema of a value of type `type`: a leaf (string, integer, UUID, an enumeration, …), an array of
    /// a derivable element, or a nested object.
    public static func schema<T: Decodable>(of type: T.Type) throws -> JSONValue {
        try sample(of: type).schema
    }

    /// A value of `type` for the recording decoder to hand back, and its schema.
    static func sample<T: Decodable>(of type: T.Type) throws -> (value: T, schema: JSONValue) {
        if let leaf = leaf(type) { return leaf }
        if let enumeration = type as? any SchemaEnumeration.Type {
            return (enumeration.schemaSample as! T, ["enum": .array(enumeration.schemaValues.map(JSONValue.string))])
        }
        if let nullable = type as? any SchemaNullable.Type {
            return (nullable.schemaNull as! T, Self.nullable(try schema(of: nullable.schemaWrappedType)))
        }
        if let array = type as? any SchemaArray.Type {
            let element = try schema(of: array.schemaElementType)
            return (array.schemaEmpty as! T, ["type": "array", "items": element])
        }
        if let described = type as? any SchemaDescribed.Type {
            // A component of its own: referenced, so each wire object is described once.
            let value = try T(from: RecordingDecoder(recorder: Recorder(), codingPath: []))
            return (value, ["$ref": .string(described.schemaReference)])
        }
        let shape = try self.shape(of: type)
        let value = try T(from: RecordingDecoder(recorder: Recorder(), codingPath: []))
        return (value, shape.objectSchema)
    }

    private static func leaf<T>(_ type: T.Type) -> (value: T, schema: JSONValue)? {
        switch type {
        case is String.Type: return ("" as! T, ["type": "string"])
        case is Bool.Type: return (false as! T, ["type": "boolean"])
        case is Double.Type: return (0.0 as! T, ["type": "number"])
        case is Float.Type: return (Float(0) as! T, ["type": "number"])
        case is UUID.Type: return (UUID() as! T, ["type": "string", "format": "uuid"])
        case is JSONValue.Type: return (JSONValue.null as! T, [:])
        default: break
        }
        guard let integer = type as? any FixedWidthInteger.Type else { return nil }
        var schema: [String: JSONValue] = ["type": "integer"]
        if integer.bitWidth == 64 || integer.bitWidth == 32 { schema["format"] = .string("int\(integer.bitWidth)") }
        if !integer.isSigned { schema["minimum"] = 0 }
        return (integer.zero as! T, .object(schema))
    }

    /// `schema` that also admits `null`: `"type": ["string", "null"]`, or `oneOf` for a schema without a
    /// single type (a reference or an enumeration).
    public static func nullable(_ schema: JSONValue) -> JSONValue {
        guard case .object(var members) = schema else { return schema }
        switch members["type"] {
        case .string(let type)?:
            members["type"] = [.string(type), "null"]
        case .array(let types)? where !types.contains("null"):
            members["type"] = .array(types + ["null"])
        case .array?:
            break
        default:
            if case .array(let values)? = members["enum"] {
                members["enum"] = .array(values + [.null])
            } else if !members.isEmpty {
                return ["oneOf": [schema, ["type": "null"]]]
            }
        }
        return .object(members)
    }

    /// Collects what one object's `init(from:)` asked for.
    final class Recorder {
        var properties: [String: JSONValue] = [:]
        var required: [String] = []
    }
}

extension SchemaDerivation.Shape {
    /// `{"type":"object","properties":…,"required":…,"additionalProperties":false}`.
    public var objectSchema: JSONValue {
        var members: [String: JSONValue] = ["type": "object", "properties": .object(properties), "additionalProperties": false]
        if !required.isEmpty { members["required"] = .array(required.map(JSONValue.string)) }
        return .object(members)
    }
}

/// A string enumeration: its schema lists every raw value.
public protocol SchemaEnumeration {
    static var schemaValues: [String] { get }
    static var schemaSample: Self { get }
}

extension SchemaEnumeration where Self: CaseIterable & RawRepresentable, RawValue == String {
    public static var schemaValues: [String] { allCases.map(\.rawValue) }
    public static var schemaSample: Self { allCases.first! }
}

/// Arrays, so the derivation can name their element's schema.
protocol SchemaArray {
    static var schemaElementType: any Decodable.Type { get }
    static var schemaEmpty: Self { get }
}

extension Array: SchemaArray where Element: Decodable {
    static var schemaElementType: any Decodable.Type { Element.self }
    static var schemaEmpty: Self { [] }
}
