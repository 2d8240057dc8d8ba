/// Every failure the Redis client reports, so callers can decide between retrying, degrading and
/// surfacing an error without parsing strings.
public enum RedisError: Error, Sendable, Equatable {
    /// No connection could be opened (refused, unreachable, connect timeout, DNS failure).
    /// The command was never sent, so retrying it later is always safe.
    case connectionFailed(String)
    /// The connection broke while a command was in flight (reset, closed, protocol garbage).
    /// Unlike `connectionFailed`, the command may or may not have been applied.
    case io(String)
    /// No reply arrived within the command timeout; the command may still be applied by Redis.
    case timeout
    /// Redis answered with an error reply; `kind` is its first word (`ERR`, `WRONGTYPE`, `NOGROUP`,
    /// `BUSYGROUP`, ...) because that is the only part Redis keeps stable across versions.
    case server(kind: String, message: String)
    /// The reply did not have the shape the command promises; usually a version mismatch.
    case unexpectedReply(String)
    /// A `redis://` URL could not be understood, so a misconfiguration fails at startup.
    case invalidURL(String)
    /// The client was shut down; nothing will reconnect it.
    case shutDown

    /// A stable, machine-readable identifier for logs, metrics and API error bodies.
    ///
    /// `connectionFailed` and `io` share `REDIS_UNAVAILABLE`: for whoever reads the code both mean
    /// "Redis cannot be reached right now"; the cases stay separate for callers that care whether
    /// the command might have been applied.
    public var code: String {
        switch self {
        case .connectionFailed, .io: return "REDIS_UNAVAILABLE"
        case .timeout: return "REDIS_TIMEOUT"
        case .server: return "REDIS_SERVER_ERROR"
        case .unexpectedReply: return "REDIS_UNEXPECTED_REPLY"
        case .invalidURL: return "REDIS_INVALID_URL"
        case .shutDown: return "REDIS_SHUT_DOWN"
        }
    }
}

extension RedisError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .connectionFailed(let reason): return "cannot connect to Redis: \(reason)"
        case .io(let reason): return "Redis connection failed during a command: \(reason)"
        case .timeout: return "Redis did not answer within the command timeout"
        case .server(let kind, let message): return message.isEmpty ? kind : "\(kind) \(message)"
        case .unexpectedReply(let detail): return "unexpected reply from Redis: \(detail)"
        case .invalidURL(let reason): return "invalid Redis URL: \(reason)"
        case .shutDown: return "the Redis client has been shut down"
        }
    }
}

extension RedisError {
    /// Splits an error reply such as `WRONGTYPE Operation against a key...` into kind and message.
    /// Replies without an upper-case first word are treated as generic `ERR`, so `kind` is always
    /// something a caller can switch on.
    init(serverReply text: String) {
        guard let space = text.firstIndex(of: " ") else {
            self = Self.isErrorKind(Substring(text)) ? .server(kind: text, message: "") : .server(kind: "ERR", message: text)
            return
        }
        let word = text[..<space]
        if Self.isErrorKind(word) {
            self = .server(kind: String(word), message: String(text[text.index(after: space)...]))
        } else {
            self = .server(kind: "ERR", message: text)
        }
    }

    private static func isErrorKind(_ word: Substring) -> Bool {
        !word.isEmpty && word.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || $0 == "_" }
    }
}
