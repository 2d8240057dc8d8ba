import Foundation

/// Which keys verify (and, in development, sign) access tokens.
///
/// Production deployments give public keys (`NOVYSE_JWT_PUBLIC_KEY` or `NOVYSE_JWT_PUBLIC_KEY_FILE`, PEM, RSA,
/// P-256 or Ed25519) of their identity provider; development uses an HS256 secret (`NOVYSE_JWT_SECRET`).
/// With neither set, only `NOVYSE_ENV=development` starts, with a fixed, loudly logged development secret.
public struct JWTConfiguration: Sendable {
    public static let developmentSecret = "novyse-development-secret-do-not-use-in-production"

    public var hmacSecret: String?
    public var publicKeysPEM: [String]
    /// `NOVYSE_JWT_ISSUER` / `NOVYSE_JWT_AUDIENCE`: checked when set.
    public var issuer: String?
    public var audience: String?
    public var usesDevelopmentSecret: Bool

    public init(
        hmacSecret: String?, publicKeysPEM: [String] = [], issuer: String? = nil, audience: String? = nil
    ) {
        self.hmacSecret = hmacSecret
        self.publicKeysPEM = publicKeysPEM
        self.issuer = issuer
        self.audience = audience
        self.usesDevelopmentSecret = false
    }

    public init(environment: EnvironmentReader) throws {
        hmacSecret = environment.string("NOVYSE_JWT_SECRET")
        var pems: [String] = []
        if let pem = environment.string("NOVYSE_JWT_PUBLIC_KEY") { pems.append(pem) }
        if let path = environment.string("NOVYSE_JWT_PUBLIC_KEY_FILE") {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(key: "NOVYSE_JWT_PUBLIC_KEY_FILE", reason: "cannot read \(path)")
            }
            pems.append(String(decoding: data, as: UTF8.self))
        }
        publicKeysPEM = pems
        issuer = environment.string("NOVYSE_JWT_ISSUER")
        audience = environment.string("NOVYSE_JWT_AUDIENCE")
        usesDevelopmentSecret = false
        let mode = try DeploymentMode(environment: environment)
        if let secret = hmacSecret, mode == .production, DeploymentMode.isPublic(secret) {
            // The development secret and the example overlay's placeholder are in this repository: anyone
            // could sign tokens for any user with them.
            throw ConfigurationError(
                key: "NOVYSE_JWT_SECRET", reason: "is a published development or placeholder value; set a random secret of your own"
            )
        }
        if hmacSecret == nil && pems.isEmpty {
            guard mode == .development else {
                throw ConfigurationError(
                    key: "NOVYSE_JWT_SECRET",
                    reason: "set NOVYSE_JWT_SECRET or NOVYSE_JWT_PUBLIC_KEY(_FILE), or NOVYSE_ENV=development"
                )
            }
            hmacSecret = Self.developmentSecret
            usesDevelopmentSecret = true
        }
        // HS256 keys shorter than the hash output are weak (and jwt-kit asserts against them).
        if let secret = hmacSecret, secret.utf8.count < 32 {
            throw ConfigurationError(key: "NOVYSE_JWT_SECRET", reason: "must be at least 32 bytes")
        }
    }
}
