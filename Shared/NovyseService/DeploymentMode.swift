/// `NOVYSE_ENV`: `production` (the default) or `development`.
///
/// Production refuses what is only safe on a developer's machine: secrets that anyone can read in this
/// repository, and the admin endpoints unless they are asked for by name with a strong token. A typo
/// (`prod`, `staging`) is an error rather than a silent production or development.
public enum DeploymentMode: String, Sendable {
    case development
    case production

    public init(environment: EnvironmentReader) throws {
        let text = environment.string("NOVYSE_ENV", default: "production").lowercased()
        guard let mode = Self(rawValue: text) else {
            throw ConfigurationError(key: "NOVYSE_ENV", reason: "expected production or development, got '\(text)'")
        }
        self = mode
    }

    /// The built-in development values, published in this repository: never a secret.
    static let publicValues: Set<String> = [JWTConfiguration.developmentSecret, "dev-admin-token"]

    /// True for a value anyone can know: a development default, or a placeholder of the example overlay.
    public static func isPublic(_ value: String) -> Bool {
        publicValues.contains(value) || value.uppercased().contains("CHANGE-ME")
    }

    /// The shortest admin token production accepts, as for HS256 secrets.
    public static let minimumAdminTokenBytes = 32

    /// `NOVYSE_ADMIN_TOKEN` as the command service may use it. In development the token alone enables the
    /// admin endpoints. In production they stay off unless `NOVYSE_ADMIN_ENABLED=true`, and then the token
    /// must be at least 32 bytes and not a public value; a token without the switch is ignored (the caller
    /// logs that), so an environment copied from a local stack cannot open them.
    public func adminToken(environment: EnvironmentReader) throws -> (token: String?, ignored: Bool) {
        let token = environment.string("NOVYSE_ADMIN_TOKEN")
        let enabled = try environment.bool("NOVYSE_ADMIN_ENABLED", default: self == .development)
        guard self == .production else { return (enabled ? token : nil, false) }
        guard enabled else { return (nil, token != nil) }
        guard let token else {
            throw ConfigurationError(key: "NOVYSE_ADMIN_TOKEN", reason: "NOVYSE_ADMIN_ENABLED=true needs a token")
        }
        guard token.utf8.count >= Self.minimumAdminTokenBytes, !Self.isPublic(token) else {
            throw ConfigurationError(
                key: "NOVYSE_ADMIN_TOKEN",
                reason: "in production it must be at least \(Self.minimumAdminTokenBytes) bytes and not a published example value"
            )
        }
        return (token, false)
    }
}
