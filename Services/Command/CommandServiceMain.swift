import NovyseCore
import NovyseService
import NovyseStorage

/// The write side: validates and authorizes mutations, commits them to the event tables, and publishes
/// them to the Redis pipeline through the outbox relay.
@main
struct CommandServiceMain {
    static func main() async {
        await ServiceLauncher.run(.command) { runtime, router in
            let relay = OutboxRelay(
                client: runtime.postgres,
                redis: runtime.redis,
                layout: PipelineLayout(prefix: runtime.configuration.redisPrefix, partitions: runtime.configuration.partitions),
                logger: runtime.logger
            )
            let kick: @Sendable () -> Void = { relay.kick() }
            let store = CommandStore(client: runtime.postgres, logger: runtime.logger)
            CommandRoutes(route: MutationRoute(store: store, tokens: runtime.tokens, onCommit: kick)).register(on: router)
            AdminRoutes(
                adminToken: runtime.configuration.adminToken,
                users: UserRepository(client: runtime.postgres, logger: runtime.logger),
                tokens: runtime.tokens,
                onCommit: kick
            ).register(on: router)
            OpenAPIRoute(document: CommandOpenAPI.document).register(on: router)
            return [relay]
        }
    }
}
