/// The four processes of the CQRS split; each has a default port from `api.md`.
public enum ServiceKind: String, Sendable, CaseIterable {
    case command
    case query
    case fanout
    case projector

    public var defaultPort: Int {
        switch self {
        case .command: 8081
        case .query: 8082
        case .fanout: 8083
        case .projector: 8084
        }
    }

    /// The environment variable that overrides this service's port, e.g. `NOVYSE_COMMAND_PORT`.
    public var portKey: String { "NOVYSE_\(rawValue.uppercased())_PORT" }

    /// The executable name, as built by `swift build` and shipped in the container image.
    public var executableName: String { "novyse-\(rawValue)" }
}
