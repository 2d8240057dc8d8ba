import Foundation
import JWTKit

/// Verifies access tokens for every HTTP service and the socket server, and signs development tokens.
///
/// One instance per process: key parsing happens once at start-up, verification is then pure CPU.
public struct TokenAuthority: Sendable {
    /// One collection per configured key, tried in turn. jwt-kit's own iteration over a collection throws
    /// the first key's error, so an expired token signed by the second key came back as a bad signature;
    /// trying each key separately tells "expired" (a key verified the signature, `exp` has passed) from
    /// "not ours", whatever keys are configured.
    private let keySets: [JWTKeyCollection]
    /// The HS256 secret's collection, for signing development tokens.
    private let signing: JWTKeyCollection?
    private let configuration: JWTConfiguration
    public var canSign: Bool { configuration.hmacSecret != nil }

    public init(configuration: JWTConfiguration) async throws {
        self.configuration = configuration
        var keySets: [JWTKeyCollection] = []
        var signing: JWTKeyCollection?
        if let secret = configuration.hmacSecret {
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            keySets.append(keys)
            signing = keys
        }
        for (index, pem) in configuration.publicKeysPEM.enumerated() {
            let keys = JWTKeyCollection()
            if let key = try? Insecure.RSA.PublicKey(pem: pem) {
                await keys.add(rsa: key, digestAlgorithm: .sha256)
            } else if let key = try? ES256PublicKey(pem: pem) {
                await keys.add(ecdsa: key)
            } else if let key = try? EdDSA.PublicKey(pem: pem) {
                await keys.add(eddsa: key)
            } else {
                throw ConfigurationError(
                    key: "NOVYSE_JWT_PUBLIC_KEY", reason: "key \(index + 1) is not an RSA, P-256 or Ed25519 public key"
                )
            }
            keySets.append(keys)
        }
        self.keySets = keySets
        self.signing = signing
    }

    /// Checks an `Authorization` header value (`Bearer <JWT>`) and names the caller.
    public func authenticate(authorization: String?) async throws(AuthError) -> Principal {
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else { throw .noToken }
        return try await verify(token: String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces))
    }

    public func verify(token: String) async throws(AuthError) -> Principal {
        guard !token.isEmpty else { throw .noToken }
        var verified: AccessTokenClaims?
        var expired = false
        for keys in keySets where verified == nil {
            do {
                verified = try await keys.verify(token, as: AccessTokenClaims.self)
            } catch let error as JWTError where error.errorType == .claimVerificationFailure {
                // Claims are checked only after this key verified the signature: the token is ours.
                if error.failedClaim is ExpirationClaim { expired = true }
            } catch {
                continue
            }
        }
        guard let claims = verified else { throw expired ? .tokenExpired : .invalidToken }
        if let issuer = configuration.issuer, claims.iss?.value != issuer { throw .invalidToken }
        if let audience = configuration.audience, claims.aud?.value.contains(audience) != true { throw .invalidToken }
        guard let userID = UUID(uuidString: claims.sub.value), !claims.did.isEmpty, claims.did.utf8.count <= 128 else {
            throw .invalidToken
        }
        return Principal(userID: userID, deviceID: claims.did, expiresAt: claims.exp.value)
    }

    /// Signs a token with the HS256 secret; for development tools and tests (identity providers issue real ones).
    public func issue(userID: UUID, deviceID: String, lifetime: Duration = .seconds(86_400)) async throws -> String {
        guard canSign else {
            throw ConfigurationError(key: "NOVYSE_JWT_SECRET", reason: "signing tokens needs an HS256 secret")
        }
        let seconds = Double(lifetime.components.seconds)
        let claims = AccessTokenClaims(
            userID: userID, deviceID: deviceID, expiresAt: Date().addingTimeInterval(seconds),
            issuer: configuration.issuer, audience: configuration.audience
        )
        guard let signing else {
            throw ConfigurationError(key: "NOVYSE_JWT_SECRET", reason: "signing tokens needs an HS256 secret")
        }
        return try await signing.sign(claims)
    }
}
