import Foundation
import JWTKit

/// The parts of a Google service-account key file that FCM needs: who signs (`client_email`), with which
/// key (`private_key`, an RSA PEM), for which project, and where to exchange the signed assertion.
///
/// Parsing validates the key up front, so a broken key file stops the service at start-up instead of
/// failing every wake-up later.
public struct FCMServiceAccount: Sendable {
    public static let defaultTokenURI = "https://oauth2.googleapis.com/token"

    public let clientEmail: String
    public let projectID: String
    public let tokenURI: String
    /// `private_key_id`, sent as the JWT `kid` so Google can pick the key without trying each.
    public let privateKeyID: String?
    let privateKey: Insecure.RSA.PrivateKey

    public init(clientEmail: String, privateKeyPEM: String, projectID: String, tokenURI: String? = nil, privateKeyID: String? = nil) throws {
        for (name, value) in [("client_email", clientEmail), ("project_id", projectID), ("private_key", privateKeyPEM)] where value.isEmpty {
            throw FCMError.invalidServiceAccount("\(name) is empty")
        }
        do {
            privateKey = try Insecure.RSA.PrivateKey(pem: privateKeyPEM)
        } catch {
            throw FCMError.invalidServiceAccount("private_key is not an RSA private key of at least 2048 bits (\(error))")
        }
        self.clientEmail = clientEmail
        self.projectID = projectID
        self.tokenURI = tokenURI.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultTokenURI
        self.privateKeyID = privateKeyID.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Parses the JSON key file Google issues (`"type": "service_account"`).
    public init(json: Data) throws {
        let file: KeyFile
        do {
            file = try JSONDecoder().decode(KeyFile.self, from: json)
        } catch {
            throw FCMError.invalidServiceAccount("not a service-account JSON file (\(error))")
        }
        if let type = file.type, type != "service_account" {
            throw FCMError.invalidServiceAccount("type is '\(type)', expected 'service_account'")
        }
        try self.init(
            clientEmail: file.client_email, privateKeyPEM: file.private_key, projectID: file.project_id,
            tokenURI: file.token_uri, privateKeyID: file.private_key_id
        )
    }

    /// Reads and parses the key file at `path`.
    public init(contentsOfFile path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FCMError.invalidServiceAccount("cannot read \(path): \(error.localizedDescription)")
        }
        try self.init(json: data)
    }

    // swiftlint:disable identifier_name
    /// The file's own field names.
    private struct KeyFile: Decodable {
        let type: String?
        let project_id: String
        let private_key_id: String?
        let private_key: String
        let client_email: String
        let token_uri: String?
    }
    // swiftlint:enable identifier_name
}
