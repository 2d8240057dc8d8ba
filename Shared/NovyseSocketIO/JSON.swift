import Foundation

/// A JSON value as it travels in Socket.IO packets (CONNECT auth, event arguments, acknowledgements).
///
/// The module carries its own small enum rather than `Any` from `JSONSerialization`, so values are
/// `Sendable` across the tasks that run handlers, and it serializes itself with sorted keys, so the same
/// value always produces the same packet text (Linux `JSONEncoder` key order is not stable).
public indirect enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    /// Parses JSON text; nil when it is not valid JSON.
    public init?(parsing text: Substring) {
        guard let value = try? JSONDecoder().decode(DecodedJSON.self, from: Data(text.utf8)) else { return nil }
        self = value.json
    }

    public init?(parsing text: String) { self.init(parsing: Substring(text)) }

    /// Compact JSON text with sorted object keys.
    public var text: String {
        var output = ""
        write(to: &output)
        return output
    }

    public subscript(key: String) -> JSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let value): output += JSON.format(number: value)
        case .string(let value): JSON.writeQuoted(value, to: &output)
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                value.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                JSON.writeQuoted(key, to: &output)
                output += ":"
                members[key]!.write(to: &output)
            }
            output += "}"
        }
    }

    /// Integers print without a fraction (IDs below 2^53 stay exact); non-finite numbers, which JSON cannot
    /// express, print as `null`.
    static func format(number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == number.rounded(), abs(number) < 9_007_199_254_740_992 { return String(Int64(number)) }
        return "\(number)"
    }

    /// Writes `value` as a JSON string literal, escaping what RFC 8259 requires.
    public static func writeQuoted(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case let control where control.value < 0x20:
                output += "\\u" + String(repeating: "0", count: 4 - String(control.value, radix: 16).count)
                    + String(control.value, radix: 16)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    public static func quoted(_ value: String) -> String {
        var output = ""
        writeQuoted(value, to: &output)
        return output
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .number(value) }
}

/// Decodes through `Decodable`, which accepts top-level scalars and checks the whole text.
private struct DecodedJSON: Decodable {
    let json: JSON

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            json = .null
        } else if let value = try? container.decode(Bool.self) {
            json = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            json = .number(value)
        } else if let value = try? container.decode(String.self) {
            json = .string(value)
        } else if let value = try? container.decode([DecodedJSON].self) {
            json = .array(value.map(\.json))
        } else {
            json = .object(try container.decode([String: DecodedJSON].self).mapValues(\.json))
        }
    }
}
