import CryptoExtras
import Foundation
import JWTKit
import NovyseFCM

/// A throwaway Google-style service account: an RSA key generated for the test process (once: 2048-bit
/// generation takes a noticeable moment) and the JSON key file Google would issue for it.
struct FCMTestAccount: Sendable {
    static let shared: FCMTestAccount = {
        do { return try FCMTestAccount() } catch { fatalError("cannot generate the test RSA key: \(error)") }
    }()

    /// `private_key_id`, which the client sends as the JWT `kid`.
    static let keyID = "test-key-1"

    let clientEmail = "novyse-test@novyse-test.iam.gserviceaccount.com"
    let projectID = "novyse-test"
    let privateKeyPEM: String
    let publicKey: JWTKit.Insecure.RSA.PublicKey

    init() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        privateKeyPEM = key.pkcs8PEMRepresentation
        publicKey = try JWTKit.Insecure.RSA.PublicKey(pem: key.publicKey.pemRepresentation)
    }

    /// The key file's JSON, with `token_uri` pointing wherever the test wants.
    func json(tokenURI: String) throws -> Data {
        let fields: [String: String] = [
            "type": "service_account", "project_id": projectID, "private_key_id": Self.keyID,
            "private_key": privateKeyPEM, "client_email": clientEmail, "client_id": "1",
            "token_uri": tokenURI,
        ]
        return try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    }

    func serviceAccount(tokenURI: String) throws -> FCMServiceAccount {
        try FCMServiceAccount(json: try json(tokenURI: tokenURI))
    }
}
