import NovyseCore
import NovyseService
import NovyseStorage

/// The write side: validates and authorizes mutations, commits them to the event tables, and publishes
/// them to the Redis pipeline through the outbox relay.
@main
struct CommandServiceMain {
    static func main() async {
        await ServiceLauncher.run(.command) { runtime, router in
            var relay = OutboxRelay(
                store: OutboxStore(client: runtime.postgres, logger: runtime.logger),
                redis: runtime.redis,
                layout: runtime.configuration.pipelineLayout,
                logger: runtime.logger
            )
            relay.schemaReady = { await runtime.schema.ready() }
            let kick: @Sendable () -> Void = { [relay] in relay.kick() }
            let environment = EnvironmentReader()
            let store = CommandStore(client: runtime.postgres, logger: runtime.logger, limits: try CountLimits(environment: environment))
            let rateLimits = try WriteRateLimits.from(
                environment: environment, redis: runtime.redis, keyspace: runtime.configuration.keyspace, logger: runtime.logger
            )
            CommandRoutes(route: MutationRoute(store: store, tokens: runtime.tokens, onCommit: kick, rateLimits: rateLimits))
                .register(on: router)
            AdminRoutes(
                adminToken: runtime.configuration.adminToken,
                users: UserRepository(client: runtime.postgres, logger: runtime.logger),
                tokens: runtime.tokens,
                onCommit: kick,
                rateLimits: rateLimits
            ).register(on: router)
            OpenAPIRoute(document: CommandOpenAPI.document).register(on: router)
            let retentionHours = try environment.int("NOVYSE_IDEMPOTENCY_TTL_HOURS", default: 24, range: 1...8760)
            let janitor = IdempotencyJanitor(
                store: store, retention: .seconds(retentionHours * 3600), interval: .seconds(600), logger: runtime.logger,
                schemaReady: { await runtime.schema.ready() }
            )
            return [relay, janitor]
        }
    }
}
