import Foundation
import Logging
import NovyseCore
import NovyseDevServers
import NovyseStorage
import PostgresNIO

/// A user of the running command service, with a token for one device.
public struct TestUser: Sendable {
    public let id: UUID
    public let handle: String
    public let token: String

    public init(id: UUID, handle: String, token: String) {
        self.id = id
        self.handle = handle
        self.token = token
    }
}

/// An answer of the command service, decoded.
public struct APIAnswer: Sendable {
    public let status: Int
    public let body: String
    public let replayed: Bool
    /// Lower-cased names.
    public let headers: [String: String]

    public init(status: Int, body: String, replayed: Bool, headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.replayed = replayed
        self.headers = headers
    }

    public var json: [String: JSONValue] {
        (try? JSONDecoder().decode([String: JSONValue].self, from: Data(body.utf8))) ?? [:]
    }

    public var data: [String: JSONValue] {
        if case .object(let data)? = json["data"] { return data }
        return [:]
    }

    public var errorCode: String? {
        if case .object(let error)? = json["error"], case .string(let code)? = error["code"] { return code }
        return nil
    }

    public var errorMessage: String? {
        if case .object(let error)? = json["error"], case .string(let message)? = error["message"] { return message }
        return nil
    }

    public func int(_ key: String) -> Int64? {
        if case .integer(let value)? = data[key] { return value }
        return nil
    }

    public func uuid(_ key: String) -> UUID? {
        if case .string(let text)? = data[key] { return UUID(uuidString: text) }
        return nil
    }
}

/// The real `novyse-command` binary against a private database and Redis. Test targets share it: the
/// command tests, and the projector tests, which run a projector beside it on the same database and Redis.
public struct CommandHarness: Sendable {
    public let database: TestDatabase
    public let redis: LocalRedis
    public let service: RunningService

    public init(database: TestDatabase, redis: LocalRedis, service: RunningService) {
        self.database = database
        self.redis = redis
        self.service = service
    }

    /// A command service on a new private database and Redis.
    public static func start(environment: [String: String] = [:]) async throws -> CommandHarness {
        let database = try await TestPostgres.shared.makeDatabase()
        let redis = try await LocalRedis.start()
        return try await start(database: database, redis: redis, environment: environment)
    }

    /// A command service on a database and Redis the caller already has (and may share with other services).
    public static func start(
        database: TestDatabase, redis: LocalRedis, environment: [String: String] = [:]
    ) async throws -> CommandHarness {
        let service = try await RunningService.start(
            "novyse-command", portKey: "NOVYSE_COMMAND_PORT", databaseURL: database.url, redisURL: redis.url,
            environment: environment
        )
        return CommandHarness(database: database, redis: redis, service: service)
    }

    /// Stops the service and Redis.
    public func stop() async {
        await service.process.stop()
        await redis.stop()
    }

    /// Stops only the service, for callers that share Redis with other processes and stop it themselves.
    public func stopService() async {
        await service.process.stop()
    }

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
        guard let response = await HTTPProbe.request(
            port: service.port, method: method, path: path, headers: headers, body: json, timeout: TestDeadline.generous
        ) else { throw HarnessError("no answer to \(method) \(path)") }
        return APIAnswer(
            status: response.status, body: response.body, replayed: response.headers["idempotency-replayed"] == "true",
            headers: response.headers
        )
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
                let rows = try await client.query(PostgresQuery(unsafeSQL:
                    "SELECT count(*)::int, COALESCE(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \(table) t"
                ))
                for try await (count, digest) in rows.decode((Int, String).self) { parts.append("\(table)=\(count):\(digest)") }
            }
            return parts.joined(separator: "\n")
        }
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
