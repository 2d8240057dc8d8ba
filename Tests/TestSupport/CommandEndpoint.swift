import Foundation
import NovyseCore
import NovyseStorage
import PostgresNIO

/// The command service as the tests use it, whichever way requests reach it: `CommandHarness` sends them over
/// HTTP to the real binary, the command tests' in-process harness to the router itself (HummingbirdTesting).
/// Everything built on one request (users, chats, messages) and the database assertions are written once, here.
public protocol CommandEndpoint: Sendable {
    /// The service's database, for assertions on what was written.
    var database: TestDatabase { get }

    /// Sends one request; `headers` are sent as given (`call` adds the credentials and Content-Type).
    func perform(_ method: String, _ path: String, headers: [String: String], body: String?) async throws -> APIAnswer
}

extension CommandEndpoint {
    /// Creates a user through the admin endpoint and issues a token for `device`.
    public func user(_ handle: String? = nil, device: String = "phone") async throws -> TestUser {
        let handle = handle ?? "u\(UInt32.random(in: 0...UInt32.max))"
        let created = try await call("POST", "/admin/users", admin: true, json: #"{"handle":"\#(handle)","name":"\#(handle)"}"#)
        guard created.status == 200, let id = created.uuid("uuid") else {
            throw HarnessError("user creation failed: \(created.status) \(created.body)")
        }
        let issued = try await call(
            "POST", "/admin/tokens", admin: true, json: #"{"userUUID":"\#(id.uuidString)","deviceID":"\#(device)"}"#
        )
        guard case .string(let token)? = issued.data["token"] else { throw HarnessError("token: \(issued.body)") }
        return TestUser(id: id, handle: handle, token: token)
    }

    public func call(
        _ method: String, _ path: String, as user: TestUser? = nil, admin: Bool = false, json: String? = nil,
        idempotencyKey: String? = nil, headers extra: [String: String] = [:]
    ) async throws -> APIAnswer {
        var headers = extra
        if let user { headers["Authorization"] = "Bearer \(user.token)" }
        if admin { headers["X-Admin-Token"] = TestTokens.adminToken }
        if let idempotencyKey { headers["Idempotency-Key"] = idempotencyKey }
        if json != nil && headers["Content-Type"] == nil { headers["Content-Type"] = "application/json" }
        return try await perform(method, path, headers: headers, body: json)
    }

    public func call<Body: Encodable>(
        _ method: String, _ path: String, as user: TestUser, body: Body, idempotencyKey: String? = nil
    ) async throws -> APIAnswer {
        let json = String(decoding: try JSONEncoder().encode(body), as: UTF8.self)
        return try await call(method, path, as: user, json: json, idempotencyKey: idempotencyKey)
    }

    /// Creates a chat and returns its UUID.
    public func chat(_ type: ChatType, by owner: TestUser, with members: [TestUser], name: String? = nil) async throws -> UUID {
        let answer = try await call(
            "POST", "/chat/create", as: owner,
            body: CreateChatRequest(type: type, memberUUIDs: members.map(\.id), name: name)
        )
        guard answer.status == 200, let chat = answer.uuid("chatUUID") else {
            throw HarnessError("chat creation failed: \(answer.status) \(answer.body)")
        }
        return chat
    }

    public func send(_ content: String, in chat: UUID, as user: TestUser, clientMessageID: UUID = UUID()) async throws -> APIAnswer {
        try await call("POST", "/message", as: user, body: SendMessageRequest(chatUUID: chat, content: content, clientMessageID: clientMessageID))
    }

    /// Runs `body` with a client on the service's database, for assertions on what was written.
    public func withDatabase<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        try await withPostgresClient(url: database.url, body)
    }

    /// Counts rows of a table (for "wrote nothing" assertions); the name is a constant of the test.
    public func count(_ table: String, where condition: String = "true") async throws -> Int {
        try await withDatabase { client in
            let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table) WHERE \(condition)"))
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }

    /// A fingerprint of everything the command side writes: equal before and after means nothing changed.
    public func writeFingerprint() async throws -> String {
        let tables = [
            "novyse.users", "novyse.devices", "novyse.chats", "novyse.chat_creation_members", "novyse.memberships",
            "novyse.streams", "novyse.messages", "novyse.message_state", "novyse.message_reactions",
            "novyse.chat_events", "novyse.profile_events", "novyse.local_events", "novyse.idempotency_keys",
        ]
        return try await withDatabase { client in
            var parts: [String] = []
            for table in tables {
                let rows = try await client.query(
                    PostgresQuery(
                        unsafeSQL:
                            "SELECT count(*)::int, COALESCE(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \(table) t"
                    ))
                for try await (count, digest) in rows.decode((Int, String).self) { parts.append("\(table)=\(count):\(digest)") }
            }
            return parts.joined(separator: "\n")
        }
    }
}
