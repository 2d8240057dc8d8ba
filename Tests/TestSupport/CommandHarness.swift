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

/// The real `novyse-command` binary against a private database and Redis (what `CommandEndpoint` offers, over
/// HTTP). Test targets share it: the
/// command tests, and the projector tests, which run a projector beside it on the same database and Redis.
public struct CommandHarness: CommandEndpoint {
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

    /// Over HTTP to the binary, with the generous deadline of a loaded machine.
    public func perform(_ method: String, _ path: String, headers: [String: String], body: String?) async throws -> APIAnswer {
        guard
            let response = await HTTPProbe.request(
                port: service.port, method: method, path: path, headers: headers, body: body, timeout: TestDeadline.generous
            )
        else { throw HarnessError("no answer to \(method) \(path)") }
        return APIAnswer(
            status: response.status, body: response.body, replayed: response.headers["idempotency-replayed"] == "true",
            headers: response.headers
        )
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
