import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NovyseCore

/// The development admin endpoints of the command service (`POST /admin/users`, `POST /admin/tokens`),
/// enabled by `NOVYSE_ADMIN_TOKEN`: how demos and tests get users and device tokens without an identity
/// provider. Never available in production (the endpoints answer 404 there).
public struct NovyseDevAdmin: Sendable {
    public let commandURL: String
    public let adminToken: String
    let http: HTTPClient

    public init(commandURL: String, adminToken: String, httpClient: HTTPClient = .shared) {
        self.commandURL = commandURL
        self.adminToken = adminToken
        self.http = httpClient
    }

    /// Creates a user and returns its UUID.
    public func createUser(handle: String, name: String) async throws -> UUID {
        let data = try await post("/admin/users", ["handle": .string(handle), "name": .string(name)])
        guard let uuid = data["uuid"]?.uuidValue else { throw NovyseClientError.malformed("admin/users without uuid") }
        return uuid
    }

    /// Issues an access token for `user` on device `deviceID`.
    public func token(for user: UUID, device deviceID: String) async throws -> String {
        let data = try await post("/admin/tokens", ["userUUID": .string(user.key), "deviceID": .string(deviceID)])
        guard let token = data["token"]?.stringValue else { throw NovyseClientError.malformed("admin/tokens without token") }
        return token
    }

    private func post(_ path: String, _ body: [String: JSONValue]) async throws -> [String: JSONValue] {
        var request = HTTPClientRequest(url: commandURL.trimmingSuffix("/") + path)
        request.method = .POST
        request.headers.add(name: "X-Admin-Token", value: adminToken)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: JSONValue.object(body).jsonText))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(10))
            bytes = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw NovyseClientError.transport(String(describing: error))
        }
        let json = JSONValue.parse(Data(bytes.readableBytesView))?.objectValue ?? [:]
        guard response.status.code == 200, let data = json["data"]?.objectValue else {
            let code = json["error"]?.objectValue?["code"]?.stringValue ?? "HTTP_\(response.status.code)"
            throw NovyseClientError.rejected(status: Int(response.status.code), code: code, message: "\(path)")
        }
        return data
    }
}
