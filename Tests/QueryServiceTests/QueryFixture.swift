import Foundation
import Logging
import NovyseCore
import NovyseStorage
import PostgresNIO
import TestSupport

/// One test's world: a private database and Redis, the real command and query services on them, and the
/// projection driven by the test itself (`project()` heals every stream with the projector's own SQL), so a
/// test decides exactly when the snapshot catches up — "the projector paused" is simply not calling it.
final class QueryFixture: Sendable {
    let command: CommandHarness
    let query: RunningService
    let postgres: PostgresClient
    private let postgresRun: Task<Void, Never>

    private init(command: CommandHarness, query: RunningService, postgres: PostgresClient, postgresRun: Task<Void, Never>) {
        self.command = command
        self.query = query
        self.postgres = postgres
        self.postgresRun = postgresRun
    }

    static func with<T>(
        environment: [String: String] = [:], _ body: (QueryFixture) async throws -> T
    ) async throws -> T {
        let command = try await CommandHarness.start()
        let query: RunningService
        do {
            query = try await RunningService.start(
                "novyse-query", portKey: "NOVYSE_QUERY_PORT", databaseURL: command.database.url,
                redisURL: command.redis.url, environment: environment
            )
        } catch {
            await command.stop()
            throw error
        }
        var logger = Logger(label: "novyse.query.tests")
        logger.logLevel = .warning
        let postgres = PostgresClient(
            configuration: try DatabaseConfiguration(url: command.database.url, maximumConnections: 4).client,
            backgroundLogger: PostgresBackgroundLogHandler.logger(wrapping: logger)
        )
        let fixture = QueryFixture(command: command, query: query, postgres: postgres, postgresRun: await postgres.runInBackground())
        do {
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            print("--- novyse-query output:\n\(query.process.capturedOutput.suffix(3000))")
            await fixture.stop()
            throw error
        }
    }

    func stop() async {
        await query.process.stop()
        await command.stop()
        postgresRun.cancel()
        await postgresRun.value
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
        guard let response = await HTTPProbe.request(
            port: query.port, method: method, path: path, headers: headers, body: body, timeout: TestDeadline.generous
        ) else { throw HarnessError("no answer to \(method) \(path)") }
        return APIAnswer(status: response.status, body: response.body, replayed: false)
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
