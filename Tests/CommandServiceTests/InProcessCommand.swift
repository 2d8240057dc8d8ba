import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NovyseRedis
import NovyseService
import NovyseStorage
import PostgresNIO
import TestSupport

@testable import CommandService

/// The command service's own router (`CommandRouter.build`, what the binary serves) driven in process with
/// HummingbirdTesting, on a private database and Redis: the same routes, middleware and storage as
/// `CommandHarness`, without a process or a socket. Tests that need the process itself (its outbox relay,
/// its configuration errors, several replicas, Redis going away under it) keep `CommandHarness`.
struct InProcessCommand: CommandEndpoint {
    let database: TestDatabase
    let redis: LocalRedis
    let client: any TestClientProtocol

    /// Runs `body` against a router built from `environment` (the variables the binary would be given, over
    /// the tests' generous rate limits as `RunningService` sets them), with the test token secret and
    /// `adminToken` (nil: the admin endpoints are off).
    static func with<T: Sendable>(
        environment: [String: String] = [:], adminToken: String? = TestTokens.adminToken,
        _ body: @escaping @Sendable (InProcessCommand) async throws -> T
    ) async throws -> T {
        let database = try await TestPostgres.shared.makeDatabase()
        let logger = Logger.quiet("novyse.command.in-process")
        return try await withCleanup(try await LocalRedis.start(), { await $0.stop() }) { localRedis in
            let configuration = try RedisConfiguration(url: localRedis.url)
            return try await withCleanup(RedisClient(configuration: configuration, logger: logger), { await $0.shutdown() }) { redis in
                try await withPostgresClient(url: database.url, logger: logger) { postgres in
                    let tokens = try await TokenAuthority(configuration: JWTConfiguration(hmacSecret: TestTokens.secret))
                    let dependencies = try CommandDependencies(
                        RouterDependencies(
                            postgres: postgres, redis: redis, tokens: tokens, service: .command, readinessTimeout: .seconds(120), logger: logger
                        ),
                        keyspace: RedisKeyspace(), adminToken: adminToken,
                        environment: EnvironmentReader(RunningService.rateLimits.merging(environment) { $1 })
                    )
                    let application = Application(router: CommandRouter.build(dependencies), logger: logger)
                    return try await application.test(.router) { client in
                        try await body(InProcessCommand(database: database, redis: localRedis, client: client))
                    }
                }
            }
        }
    }

    func perform(_ method: String, _ path: String, headers: [String: String], body: String?) async throws -> APIAnswer {
        try await client.answer(method, path, headers: headers, body: body)
    }
}
