import Foundation
import Synchronization

/// A wire object whose OpenAPI schema is derived from its own `Codable` conformance.
///
/// The derivation (`SchemaDerivation`) supplies what the type says: the properties, their JSON types,
/// which are required and which take `null`. The conformance adds only what a type cannot say: limits,
/// patterns, descriptions and references to shared components (`propertyRules`), object-level members
/// (`schemaExtras`) and an example. A rule may refine a derived property but never invent one, so a field
/// renamed or removed in the type cannot linger in the description.
public protocol SchemaDescribed: Codable {
    /// The name under `#/components/schemas/`.
    static var schemaName: String { get }
    /// Per property: members merged over the derived schema (a rule's member wins), or a `$ref` that
    /// replaces it. Every key must be a property `init(from:)` decodes.
    static var propertyRules: [String: JSONValue] { get }
    /// Members added to the object schema itself (`description`, `if`/`then`, …).
    static var schemaExtras: [String: JSONValue] { get }
    /// Shown as the schema's example; it should set every optional property so the example shows them all.
    static var example: Self? { get }
}

extension SchemaDescribed {
    public static var schemaName: String { String(describing: Self.self) }
    public static var propertyRules: [String: JSONValue] { [:] }
    public static var schemaExtras: [String: JSONValue] { [:] }
    public static var example: Self? { nil }

    public static var schemaReference: String { "#/components/schemas/\(schemaName)" }

    /// The keys `init(from:)` reads: what a strict reader accepts, derived once per type.
    public static var schemaKeys: Set<String> {
        let id = ObjectIdentifier(Self.self)
        if let keys = derivedKeys.withLock({ $0[id] }) { return keys }
        let keys: Set<String>
        do {
            keys = try SchemaDerivation.shape(of: Self.self).keys
        } catch {
            // A type whose decoding the derivation cannot follow is a programming error that the schema
            // tests report; it cannot depend on a client's input.
            preconditionFailure("\(Self.self): \(error)")
        }
        derivedKeys.withLock { $0[id] = keys }
        return keys
    }

    /// The component schema: the derived object with the rules, the extras and the example applied.
    public static func componentSchema() throws -> JSONValue {
        let shape = try SchemaDerivation.shape(of: Self.self)
        var properties = shape.properties
        for (key, rule) in propertyRules {
            guard let derived = properties[key] else {
                throw SchemaDerivation.Failure(description: "\(schemaName): a rule names \(key), which the type does not decode")
            }
            properties[key] = SchemaDerivation.refine(derived, with: rule)
        }
        var derivedShape = shape
        derivedShape.properties = properties
        guard case .object(var members) = derivedShape.objectSchema else { return derivedShape.objectSchema }
        for (key, value) in schemaExtras { members[key] = value }
        if let example {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            members["examples"] = [try JSONDecoder().decode(JSONValue.self, from: encoder.encode(example))]
        }
        return .object(members)
    }
}

/// Keys derived so far, by type: `CommandRequest.keys` is read on every request.
private let derivedKeys = Mutex<[ObjectIdentifier: Set<String>]>([:])

extension SchemaDerivation {
    /// `derived` with `rule` applied: a rule holding `$ref` replaces the property, any other rule's members
    /// are set over the derived ones.
    static func refine(_ derived: JSONValue, with rule: JSONValue) -> JSONValue {
        guard case .object(let ruleMembers) = rule else { return derived }
        if ruleMembers["$ref"] != nil { return rule }
        guard case .object(var members) = derived else { return rule }
        for (key, value) in ruleMembers { members[key] = value }
        return .object(members)
    }
}
