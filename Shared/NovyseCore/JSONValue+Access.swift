import Foundation

/// Typed reads, so code that reads JSON stays short and never force-casts: a missing or mistyped field reads
/// as nil and is reported by the caller instead of crashing.
extension JSONValue {
    /// The member `key` of an `.object`; nil for other values.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The text of a `.string`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value of an `.integer`, or of an integral `.double` (IDs and cursors are JSON integers below 2^53).
    public var int64Value: Int64? {
        switch self {
        case .integer(let value): return value
        case .double(let value) where value == value.rounded(): return Int64(exactly: value)
        default: return nil
        }
    }

    /// Any number, as a `Double`.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The value of a `.bool`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A UUID written as a string (any case).
    public var uuidValue: UUID? {
        stringValue.flatMap(UUID.init(uuidString:))
    }

    /// The members of an `.object`.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The elements of an `.array`.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The elements of an `.array` that are objects (the shape of every list the server sends).
    public var objectsValue: [[String: JSONValue]] {
        (arrayValue ?? []).compactMap(\.objectValue)
    }
}
