import NovyseCore

/// Storage failures a caller can act on. Anything else from Postgres is a dependency failure (503) and its
/// detail goes to the log, never to a client.
public enum StorageError: Error, Sendable, CustomStringConvertible {
    /// An applied migration's statements were edited after the fact; refusing to run beats diverging schemas.
    case migrationChanged(version: Int, name: String)
    case invalidDatabaseURL(String)
    /// A uniqueness rule of the domain was hit (a taken handle, a second DM for the same pair).
    case conflict(code: ErrorCode, message: String)
    /// Postgres answered in a way the code does not expect (a bug, not bad input): logged, answered 500.
    case unexpected(String)

    public var code: String {
        switch self {
        case .migrationChanged: "MIGRATION_CHANGED"
        case .invalidDatabaseURL: "INVALID_DATABASE_URL"
        case .conflict(let code, _): code.rawValue
        case .unexpected: "STORAGE_UNEXPECTED"
        }
    }

    public var description: String {
        switch self {
        case .migrationChanged(let version, let name):
            "migration \(version) (\(name)) differs from the one applied to this database"
        case .invalidDatabaseURL(let reason):
            "invalid DATABASE_URL: \(reason)"
        case .conflict(_, let message):
            message
        case .unexpected(let detail):
            "unexpected storage result: \(detail)"
        }
    }
}
