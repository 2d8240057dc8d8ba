/// A configuration value that cannot be used; the service refuses to start and says which key is wrong.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let key: String
    public let reason: String

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "configuration \(key): \(reason)" }
}
