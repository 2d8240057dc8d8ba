import NovyseCore

/// Between the server's handler-facing `JSON` and the codec's `JSONValue`, until the two types are one.
extension JSON {
    public init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .integer(let value): self = .number(Double(value))
        case .double(let value): self = .number(value)
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(JSON.init))
        case .object(let members): self = .object(members.mapValues(JSON.init))
        }
    }
}

extension JSONValue {
    public init(_ value: JSON) {
        switch value {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .number(let value) where !value.isFinite: self = .null  // as `JSON.text` writes it
        case .number(let value):
            if let integer = Int64(exactly: value), abs(value) < 9_007_199_254_740_992 { self = .integer(integer) } else { self = .double(value) }
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(JSONValue.init))
        case .object(let members): self = .object(members.mapValues(JSONValue.init))
        }
    }
}
