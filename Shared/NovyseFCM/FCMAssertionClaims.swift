import Foundation
import JWTKit

/// The claims of the self-signed JWT that Google's OAuth2 endpoint exchanges for an access token
/// ("Using OAuth 2.0 for Server to Server Applications"): who asks (`iss`), for what (`scope`), of whom
/// (`aud` = the token endpoint), valid for at most one hour.
public struct FCMAssertionClaims: JWTPayload, Equatable {
    public static let messagingScope = "https://www.googleapis.com/auth/firebase.messaging"

    public var iss: IssuerClaim
    public var scope: String
    public var aud: AudienceClaim
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim

    /// `issuedAt` is rounded down to whole seconds: Google expects integer NumericDates.
    public init(clientEmail: String, tokenURI: String, issuedAt: Date = Date()) {
        let iat = Date(timeIntervalSince1970: issuedAt.timeIntervalSince1970.rounded(.down))
        self.iss = IssuerClaim(value: clientEmail)
        self.scope = Self.messagingScope
        self.aud = AudienceClaim(value: tokenURI)
        self.iat = IssuedAtClaim(value: iat)
        self.exp = ExpirationClaim(value: iat.addingTimeInterval(3600))
    }

    /// Used when a token endpoint (or a test's fake of one) verifies an assertion.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
