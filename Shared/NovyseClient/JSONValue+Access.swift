import Foundation
import NovyseCore

/// Typed reads of the server's JSON, so applying code stays short and never force-casts: a missing or
/// mistyped field reads as nil and is reported by the caller instead of crashing the app.
extension JSONValue {
    /// The text of a `.string`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value of an `.integer` (IDs and cursors are JSON integers below 2^53).
    public var int64Value: Int64? {
        switch self {
        case .integer(let value): return value
        case .double(let value) where value == value.rounded(): return Int64(exactly: value)
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

    /// Parses JSON text; nil when it is not JSON.
    public static func parse(_ data: Data) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Parses JSON text; nil when it is not JSON.
    public static func parse(_ text: String) -> JSONValue? {
        parse(Data(text.utf8))
    }
}

extension UUID {
    /// The lowercase form the server writes (`mirror key`), used as the primary key in the mirror so that lookups by a
    /// UUID from any source (answers, pushes, the app) hit the same row.
    public var key: String { uuidString.lowercased() }
}
