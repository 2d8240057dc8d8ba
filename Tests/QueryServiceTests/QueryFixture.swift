import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NovyseCore
import NovyseRedis
import NovyseService
import NovyseStorage
import PostgresNIO
import TestSupport

@testable import QueryService

/// One test's world: a private database and Redis, the real command service on them, the query service's
/// own router (`QueryRouter.build`, what `novyse-query` serves) driven in process with HummingbirdTesting,
/// and the projection driven by the test itself (`project()` heals every stream with the projector's own
/// SQL), so a test decides exactly when the snapshot catches up — "the projector paused" is simply not
/// calling it.
final class QueryFixture: Sendable {
    let command: CommandHarness
    let query: any TestClientProtocol
    let postgres: PostgresClient

    private init(command: CommandHarness, query: any TestClientProtocol, postgres: PostgresClient) {
        self.command = command
        self.query = query
        self.postgres = postgres
    }

    /// `environment` holds the query service's settings (`NOVYSE_QUERY_*`), as the binary would read them.
    /// `afterProbe` runs inside every update between its "nothing changed" probe and its answer.
    static func with<T: Sendable>(
        environment: [String: String] = [:], afterProbe: (@Sendable () async throws -> Void)? = nil,
        _ body: @escaping @Sendable (QueryFixture) async throws -> T
    ) async throws -> T {
        let configuration = try QueryConfiguration(environment: EnvironmentReader(environment))
        let logger = Logger.quiet("novyse.query.tests")
        return try await withCleanup(try await CommandHarness.start(), { await $0.stop() }) { command in
            // Only the readiness probe holds it; no query route talks to Redis.
            let redis = RedisClient(configuration: try RedisConfiguration(url: command.redis.url), logger: logger)
            return try await withCleanup(redis, { await $0.shutdown() }) { redis in
                try await withPostgresClient(url: command.database.url, maximumConnections: 4, logger: logger) { postgres in
                    let tokens = try await TokenAuthority(configuration: JWTConfiguration(hmacSecret: TestTokens.secret))
                    var dependencies = QueryDependencies(
                        RouterDependencies(
                            postgres: postgres, redis: redis, tokens: tokens, service: .query, readinessTimeout: .seconds(120), logger: logger
                        ),
                        configuration: configuration
                    )
                    dependencies.afterProbe = afterProbe
                    let application = Application(router: QueryRouter.build(dependencies), logger: logger)
                    return try await application.test(.router) { client in
                        try await body(QueryFixture(command: command, query: client, postgres: postgres))
                    }
                }
            }
        }
    }

    var logger: Logger {
        var logger = Logger(label: "novyse.query.tests")
        logger.logLevel = .warning
        return logger
    }

    /// Brings the snapshot up to the event store, as a projector that caught up would.
    func project() async throws {
        let store = ProjectorStore(client: postgres, logger: logger)
        while try await store.sweep(limit: 10_000) > 0 {}
    }

    /// Projects at most `streams` of the streams that are behind: a projector caught mid-way.
    func projectPartially(streams: Int) async throws {
        _ = try await ProjectorStore(client: postgres, logger: logger).sweep(limit: streams)
    }

    // MARK: Requests

    func get(_ path: String, as user: TestUser?) async throws -> APIAnswer {
        try await request("GET", path, as: user, body: nil)
    }

    func request(
        _ method: String, _ path: String, as user: TestUser?, body: String?, headers extra: [String: String] = [:]
    ) async throws -> APIAnswer {
        var headers = extra
        if let user { headers["Authorization"] = "Bearer \(user.token)" }
        if body != nil && headers["Content-Type"] == nil { headers["Content-Type"] = "application/json" }
        return try await query.answer(method, path, headers: headers, body: body)
    }

    /// `GET /user/initialize`, which must succeed.
    func initialize(_ user: TestUser, limit: Int? = nil) async throws -> [String: JSONValue] {
        let answer = try await get("/user/initialize" + (limit.map { "?limit=\($0)" } ?? ""), as: user)
        guard answer.status == 200 else { throw HarnessError("initialize: \(answer.status) \(answer.body)") }
        return answer.data
    }

    /// `POST /user/update`, which must succeed.
    func update(_ user: TestUser, body: String) async throws -> [String: JSONValue] {
        let answer = try await request("POST", "/user/update", as: user, body: body)
        guard answer.status == 200 else { throw HarnessError("update: \(answer.status) \(answer.body)") }
        return answer.data
    }

    /// Every message of a chat through `/chat/history`, newest first, paging with `pageSize`.
    func fullHistory(_ chat: UUID, as user: TestUser, pageSize: Int = 200) async throws -> [[String: JSONValue]] {
        var all: [[String: JSONValue]] = []
        var before: Int64?
        while true {
            var path = "/chat/history?chatUUID=\(chat.uuidString)&limit=\(pageSize)"
            if let before { path += "&beforeMessageID=\(before)" }
            let answer = try await get(path, as: user)
            guard answer.status == 200 else { throw HarnessError("history: \(answer.status) \(answer.body)") }
            let page = answer.data["messages"]?.objects ?? []
            all += page
            guard answer.data["hasMore"] == .bool(true), let last = page.last?["id"]?.int64 else { return all }
            before = last
        }
    }

    /// A mutation through the command service that must succeed.
    @discardableResult
    func mutate(_ method: String, _ path: String, as user: TestUser, _ json: String) async throws -> APIAnswer {
        let answer = try await command.call(method, path, as: user, json: json)
        guard answer.status == 200 else { throw HarnessError("\(method) \(path): \(answer.status) \(answer.body)") }
        return answer
    }
}

extension JSONValue {
    var objects: [[String: JSONValue]]? {
        guard case .array(let items) = self else { return nil }
        return items.compactMap { if case .object(let fields) = $0 { fields } else { nil } }
    }

    var object: [String: JSONValue]? { if case .object(let fields) = self { fields } else { nil } }
    var array: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
    var string: String? { if case .string(let text) = self { text } else { nil } }
    var uuid: UUID? { string.flatMap(UUID.init(uuidString:)) }

    var int64: Int64? {
        switch self {
        case .integer(let value): value
        case .double(let value) where value.rounded() == value: Int64(value)
        default: nil
        }
    }
}
