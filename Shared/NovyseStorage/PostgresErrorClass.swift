import PostgresNIO

/// What a Postgres server error means to this codebase, decided from its SQLSTATE in one place.
///
/// Callers used to compare raw SQLSTATE strings (`"23505"`, `"57P01"`, class prefixes such as `"22"`) in
/// the command store, the user repository, the error middleware and the projector; a typo or a missed
/// code in one of them went unnoticed. They now ask the named case, or one of the questions below, and the
/// table of codes lives here (see the PostgreSQL manual, "PostgreSQL Error Codes").
public enum PostgresErrorClass: Sendable, Hashable {
    /// 23505: a unique index or constraint refused the row.
    case uniqueViolation
    /// 23503: a referenced row does not exist (or is still referenced).
    case foreignKeyViolation
    /// 23502: a NULL into a NOT NULL column.
    case notNullViolation
    /// 23514: a CHECK constraint refused the row.
    case checkViolation
    /// Any other code of class 23 (integrity constraint violation).
    case integrityViolation(String)
    /// Class 22: the data itself is invalid (a bad cast, out of range, malformed JSON, ...).
    case dataException(String)
    /// Class P0: raised by PL/pgSQL, i.e. by the projection functions' own `RAISE EXCEPTION`.
    case raisedByFunction(String)
    /// 40001: the transaction lost a serialization race; running it again may succeed.
    case serializationFailure
    /// 40P01: the transaction was chosen as a deadlock victim; running it again may succeed.
    case deadlockDetected
    /// 57P01: the server is shutting down at an operator's request.
    case adminShutdown
    /// 57P02: the server is restarting after a crash of another backend.
    case crashShutdown
    /// 57P03: the server is starting up, shutting down or in recovery and takes no connections yet.
    case cannotConnectNow
    /// 53300: the server's connection slots are all taken.
    case tooManyConnections
    /// Any SQLSTATE not named above.
    case other(String)

    /// Classifies a five-character SQLSTATE.
    public init(sqlState: String) {
        switch sqlState {
        case "23505": self = .uniqueViolation
        case "23503": self = .foreignKeyViolation
        case "23502": self = .notNullViolation
        case "23514": self = .checkViolation
        case "40001": self = .serializationFailure
        case "40P01": self = .deadlockDetected
        case "57P01": self = .adminShutdown
        case "57P02": self = .crashShutdown
        case "57P03": self = .cannotConnectNow
        case "53300": self = .tooManyConnections
        default:
            switch sqlState.prefix(2) {
            case "23": self = .integrityViolation(sqlState)
            case "22": self = .dataException(sqlState)
            case "P0": self = .raisedByFunction(sqlState)
            default: self = .other(sqlState)
            }
        }
    }

    /// True when the server is going away or refusing connections: the request failed because a dependency
    /// is down, not because of what it asked (the error middleware answers 503, not 500).
    public var isUnavailable: Bool {
        switch self {
        case .adminShutdown, .crashShutdown, .cannotConnectNow, .tooManyConnections: true
        default: false
        }
    }

    /// True when the same input will fail the same way again (data exceptions, integrity violations, errors
    /// raised by the projection functions), so retrying is pointless; the projector rejects such an entry
    /// instead of retrying it forever. Everything else (serialization failures, deadlocks, resource and
    /// operator errors, unknown codes) may pass on a later attempt.
    public var isDeterministic: Bool {
        switch self {
        case .uniqueViolation, .foreignKeyViolation, .notNullViolation, .checkViolation, .integrityViolation,
            .dataException, .raisedByFunction:
            true
        default:
            false
        }
    }
}

extension PSQLError {
    /// The class of a server error's SQLSTATE; nil for errors the server did not send (connection loss,
    /// client-side failures), which carry no SQLSTATE.
    public var errorClass: PostgresErrorClass? {
        serverInfo?[.sqlState].map(PostgresErrorClass.init(sqlState:))
    }

    /// The constraint a server error names, e.g. `users_handle_unique` for a taken handle.
    public var constraintName: String? { serverInfo?[.constraintName] }
}
