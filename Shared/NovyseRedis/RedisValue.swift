/// A decoded Redis reply. Error replies never appear here: they are thrown as `RedisError.server`,
/// so every value a caller sees is a successful answer.
public indirect enum RedisValue: Sendable, Equatable {
    /// A bulk string, decoded as UTF-8 (invalid bytes become U+FFFD; this client stores text only).
    case string(String)
    case integer(Int)
    case array([RedisValue])
    /// A nil bulk string or nil array: "no such key", "no group", "block timed out".
    case null
    /// A simple status reply such as `OK` or `PONG`.
    case status(String)
}

extension RedisValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .string(let text): return "\"\(text)\""
        case .integer(let number): return String(number)
        case .array(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .null: return "(nil)"
        case .status(let text): return text
        }
    }
}

// Typed accessors used by the command helpers. They throw `unexpectedReply` rather than returning
// optionals so that a reply of the wrong shape surfaces as a typed error, never as a silent default.
extension RedisValue {
    func requireInteger(_ context: @autoclosure () -> String) throws -> Int {
        switch self {
        case .integer(let number): return number
        // Some replies (XPENDING consumer counts) send numbers as bulk strings.
        case .string(let text):
            if let number = Int(text) { return number }
        default: break
        }
        throw RedisError.unexpectedReply("\(context()): expected an integer, got \(self)")
    }

    func requireString(_ context: @autoclosure () -> String) throws -> String {
        switch self {
        case .string(let text), .status(let text): return text
        default: throw RedisError.unexpectedReply("\(context()): expected a string, got \(self)")
        }
    }

    func optionalString(_ context: @autoclosure () -> String) throws -> String? {
        if case .null = self { return nil }
        return try requireString(context())
    }

    func requireArray(_ context: @autoclosure () -> String) throws -> [RedisValue] {
        guard case .array(let values) = self else {
            throw RedisError.unexpectedReply("\(context()): expected an array, got \(self)")
        }
        return values
    }

    /// A nil array and an empty array mean the same thing for every command that uses this.
    func arrayOrEmpty(_ context: @autoclosure () -> String) throws -> [RedisValue] {
        if case .null = self { return [] }
        return try requireArray(context())
    }
}
