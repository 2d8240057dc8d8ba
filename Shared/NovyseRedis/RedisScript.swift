import Crypto

/// A Lua script the services run in Redis, named by the SHA1 of its source so it is sent once per Redis
/// and then run with `EVALSHA` (see `RedisClient.run(_:keys:arguments:)`): the text of a script is often
/// far longer than its arguments.
///
/// Every key a script touches is passed in `KEYS`, never built inside the script: Redis Cluster routes a
/// script by its declared keys, and a reader of the call site then sees every key it can change. `keys`
/// declares how many a call must pass, and the runner refuses a call that passes another number.
public struct RedisScript: Sendable, Equatable, CustomStringConvertible {
    /// How many keys a call passes.
    public enum KeyCount: Sendable, Equatable {
        case exactly(Int)
        /// Variadic scripts (one key per entry or device), with a fixed head.
        case atLeast(Int)

        public func accepts(_ count: Int) -> Bool {
            switch self {
            case .exactly(let expected): return count == expected
            case .atLeast(let minimum): return count >= minimum
            }
        }
    }

    /// For logs and errors.
    public let name: String
    public let keys: KeyCount
    public let source: String
    /// Lower-case hex, as Redis prints it (`SCRIPT LOAD`'s reply).
    public let sha1: String

    public init(name: String, keys: KeyCount, source: String) {
        self.name = name
        self.keys = keys
        self.source = source
        sha1 = Insecure.SHA1.hash(data: Array(source.utf8)).map(Self.hex).joined()
    }

    public var description: String { "script \(name) (\(sha1.prefix(8)))" }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }
}
