import Foundation

/// A key that is always present and may hold `null`, as the wire objects' optional fields are
/// (`"editedAt": null`). `Optional` means "may be absent" to `Codable`, and so to the schema derivation;
/// this wrapper says "required, nullable".
public struct NullOr<Wrapped: Codable & Sendable>: Codable, Sendable {
    public var value: Wrapped?

    public init(_ value: Wrapped?) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        value = container.decodeNil() ? nil : try container.decode(Wrapped.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}

extension NullOr: Equatable where Wrapped: Equatable {}

/// Lets the schema derivation see through `NullOr` to the wrapped type.
protocol SchemaNullable {
    static var schemaWrappedType: any Decodable.Type { get }
    static var schemaNull: Self { get }
}

extension NullOr: SchemaNullable {
    static var schemaWrappedType: any Decodable.Type { Wrapped.self }
    static var schemaNull: Self { Self(nil) }
}
