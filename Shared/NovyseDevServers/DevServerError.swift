/// Failures while starting or stopping the local servers used by `novysectl dev` and the test suite.
public enum DevServerError: Error, CustomStringConvertible, Sendable {
    case binaryNotFound(String)
    case commandFailed(command: String, status: Int32, output: String)
    case notReady(String)
    case system(String)

    public var description: String {
        switch self {
        case .binaryNotFound(let name):
            return "could not find \(name); install it (see README: apt-get install postgresql redis-server)"
        case .commandFailed(let command, let status, let output):
            return "\(command) exited with status \(status): \(output)"
        case .notReady(let what):
            return "\(what) did not become ready in time"
        case .system(let message):
            return message
        }
    }
}
