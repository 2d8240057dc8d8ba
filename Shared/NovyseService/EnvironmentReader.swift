import Foundation

/// Typed access to environment variables; an unparsable value is an error naming the key, never a silent
/// fallback to the default.
///
/// The one reader of the process environment: services take every setting through it (inside the
/// `init(environment:)` of their configuration structs), so each key is parsed and validated once, at
/// start-up.
public struct EnvironmentReader: Sendable {
    public let values: [String: String]
    private let log: KeyLog?

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
        log = nil
    }

    private init(values: [String: String], log: KeyLog) {
        self.values = values
        self.log = log
    }

    /// A reader over `values` that remembers every key it is asked for, so a test can build a
    /// configuration with it and check that each key the code reads is documented in docs/configuration.md.
    public static func recording(_ values: [String: String] = [:]) -> EnvironmentReader {
        EnvironmentReader(values: values, log: KeyLog())
    }

    /// The keys asked for so far (only a `recording` reader keeps them; any other answers empty).
    public var requestedKeys: Set<String> { log?.keys ?? [] }

    public func string(_ key: String) -> String? {
        log?.insert(key)
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

/// The keys a recording reader was asked for; shared by its copies, which is why it is a class.
private final class KeyLog: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: Set<String> = []

    func insert(_ key: String) {
        lock.lock()
        defer { lock.unlock() }
        recorded.insert(key)
    }

    var keys: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
}
