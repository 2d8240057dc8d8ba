import Foundation

/// JSON text in and out, the same for the server, the services and every client.
extension JSONValue {
    /// Parses JSON text (top-level scalars included); nil when it is not one complete JSON value.
    public static func parse(_ data: Data) -> JSONValue? {
        try? JSONValue(parsing: data)
    }

    /// Parses JSON text (top-level scalars included); nil when it is not one complete JSON value.
    public static func parse(_ text: some StringProtocol) -> JSONValue? {
        try? JSONValue(parsing: Array(text.utf8))
    }

    /// Compact JSON text with sorted object keys, so equal values are equal strings.
    public var jsonText: String {
        var output = ""
        write(to: &output)
        return output
    }

    func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .integer(let value): output += String(value)
        case .double(let value): output += Self.format(number: value)
        case .string(let value): Self.writeQuoted(value, to: &output)
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
                Self.writeQuoted(key, to: &output)
                output += ":"
                members[key]!.write(to: &output)
            }
            output += "}"
        }
    }

    /// Integral doubles print without a fraction (below 2^53, where they are exact); non-finite numbers,
    /// which JSON cannot express, print as `null`.
    static func format(number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == number.rounded(), abs(number) < 9_007_199_254_740_992 { return String(Int64(number)) }
        return "\(number)"
    }

    /// Writes `value` as a JSON string literal, escaping what RFC 8259 requires (and nothing else: `/` and
    /// non-ASCII characters stay as they are).
    static func writeQuoted(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
