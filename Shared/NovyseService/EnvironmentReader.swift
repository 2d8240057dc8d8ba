import Foundation

/// Typed access to environment variables; an unparsable value is an error naming the key, never a silent
/// fallback to the default.
public struct EnvironmentReader: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    public func string(_ key: String) -> String? {
        guard let value = values[key], !value.isEmpty else { return nil }
        return value
    }

    public func string(_ key: String, default fallback: String) -> String {
        string(key) ?? fallback
    }

    public func int(_ key: String, default fallback: Int, range: ClosedRange<Int> = 0...Int.max) throws -> Int {
        guard let text = string(key) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(key: key, reason: "expected a whole number in \(range), got '\(text)'")
        }
        return value
    }

    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let text = string(key)?.lowercased() else { return fallback }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(key: key, reason: "expected true or false, got '\(text)'")
        }
    }

    public func milliseconds(_ key: String, default fallback: Duration) throws -> Duration {
        guard string(key) != nil else { return fallback }
        return .milliseconds(try int(key, default: 0))
    }
}
