import Foundation
import JWTKit
import NovyseService
import Testing

@Suite("Access tokens")
struct TokenAuthorityTests {
    let configuration = JWTConfiguration(hmacSecret: "unit-test-secret-0123456789abcdefghij")

    @Test("a signed token names its user and device, and when it expires")
    func roundTrip() async throws {
        let authority = try await TokenAuthority(configuration: configuration)
        let user = UUID()
        let before = Date()
        let token = try await authority.issue(userID: user, deviceID: "phone-1", lifetime: .seconds(3600))
        let principal = try await authority.authenticate(authorization: "Bearer \(token)")
        #expect(principal.userID == user && principal.deviceID == "phone-1")
        // `exp` is whole seconds on the wire: within a second of the lifetime after issuing.
        let expiresAt = try #require(principal.expiresAt)
        #expect(expiresAt >= before.addingTimeInterval(3599) && expiresAt <= Date().addingTimeInterval(3601))
    }

    @Test("missing, malformed, foreign and tampered tokens are refused with their codes")
    func refusals() async throws {
        let authority = try await TokenAuthority(configuration: configuration)
        let other = try await TokenAuthority(configuration: JWTConfiguration(hmacSecret: "another-secret-0123456789abcdefghijkl"))
        let foreign = try await other.issue(userID: UUID(), deviceID: "d")
        let valid = try await authority.issue(userID: UUID(), deviceID: "d")
        let tampered = String(valid.dropLast(2)) + (valid.hasSuffix("AA") ? "BB" : "AA")
        await #expect(throws: AuthError.noToken) { try await authority.authenticate(authorization: nil) }
        await #expect(throws: AuthError.noToken) { try await authority.authenticate(authorization: "Basic abc") }
        await #expect(throws: AuthError.invalidToken) { try await authority.authenticate(authorization: "Bearer x.y.z") }
        await #expect(throws: AuthError.invalidToken) { try await authority.verify(token: foreign) }
        await #expect(throws: AuthError.invalidToken) { try await authority.verify(token: tampered) }
    }

    @Test("an expired token is refused as expired")
    func expired() async throws {
        let authority = try await TokenAuthority(configuration: configuration)
        let token = try await authority.issue(userID: UUID(), deviceID: "d", lifetime: .seconds(-10))
        await #expect(throws: AuthError.tokenExpired) { try await authority.verify(token: token) }
    }

    @Test("an expired token is refused as expired whichever configured key signed it", arguments: [0, 1, 2])
    func expiredWithSeveralKeys(signer: Int) async throws {
        // An HS256 secret and two P-256 public keys (as an identity provider rotating keys would publish).
        let privateKeys = [ES256PrivateKey(), ES256PrivateKey()]
        let authority = try await TokenAuthority(
            configuration: JWTConfiguration(
                hmacSecret: "unit-test-secret-0123456789abcdefghij", publicKeysPEM: privateKeys.map(\.publicKey.pemRepresentation)
            ))
        let user = UUID()
        let claims = AccessTokenClaims(userID: user, deviceID: "d", expiresAt: Date().addingTimeInterval(-60))
        let fresh = AccessTokenClaims(userID: user, deviceID: "d", expiresAt: Date().addingTimeInterval(600))
        let signing = JWTKeyCollection()
        if signer == 0 {
            await signing.add(hmac: HMACKey(from: "unit-test-secret-0123456789abcdefghij"), digestAlgorithm: .sha256)
        } else {
            await signing.add(ecdsa: privateKeys[signer - 1])
        }
        await #expect(throws: AuthError.tokenExpired) { try await authority.verify(token: try await signing.sign(claims)) }
        #expect(try await authority.verify(token: try await signing.sign(fresh)).userID == user)

        // Expired but signed by a key nobody configured: not ours, so not "expired".
        let stranger = JWTKeyCollection()
        await stranger.add(ecdsa: ES256PrivateKey())
        await #expect(throws: AuthError.invalidToken) { try await authority.verify(token: try await stranger.sign(claims)) }
    }

    @Test("issuer and audience are enforced when configured")
    func issuerAndAudience() async throws {
        let strict = try await TokenAuthority(
            configuration: JWTConfiguration(
                hmacSecret: "unit-test-secret-0123456789abcdefghij", issuer: "novyse", audience: "sync"
            ))
        let loose = try await TokenAuthority(configuration: configuration)
        let withoutClaims = try await loose.issue(userID: UUID(), deviceID: "d")
        await #expect(throws: AuthError.invalidToken) { try await strict.verify(token: withoutClaims) }
        let withClaims = try await strict.issue(userID: UUID(), deviceID: "d")
        _ = try await strict.verify(token: withClaims)
    }
}
