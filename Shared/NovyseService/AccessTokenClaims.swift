import Foundation
import JWTKit

/// The claims of an access token: `sub` is the user's UUID, `did` names the device (api.md).
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var did: String
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim?
    public var iss: IssuerClaim?
    public var aud: AudienceClaim?

    public init(userID: UUID, deviceID: String, expiresAt: Date, issuer: String? = nil, audience: String? = nil) {
        sub = SubjectClaim(value: userID.uuidString.lowercased())
        did = deviceID
        exp = ExpirationClaim(value: expiresAt)
        iat = IssuedAtClaim(value: Date())
        iss = issuer.map { IssuerClaim(value: $0) }
        aud = audience.map { AudienceClaim(value: [$0]) }
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Who is calling: established once per request (or socket) from a verified token.
public struct Principal: Sendable, Equatable {
    public let userID: UUID
    public let deviceID: String
    /// The token's `exp`: a request is over long before, but a socket outlives its CONNECT, and is
    /// disconnected when the token that opened it expires.
    public let expiresAt: Date?

    public init(userID: UUID, deviceID: String, expiresAt: Date? = nil) {
        self.userID = userID
        self.deviceID = deviceID
        self.expiresAt = expiresAt
    }
}
