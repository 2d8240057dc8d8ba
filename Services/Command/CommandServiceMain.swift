import NovyseCore
import NovyseService
import NovyseStorage

/// The write side: validates and authorizes mutations, commits them to the event tables, and publishes
/// them to the Redis pipeline through the outbox relay.
@main
struct CommandServiceMain {
    static func main() async {
        await ServiceLauncher.run(
            .command,
            routerSetup: { runtime in
                var relay = OutboxRelay(
                    store: OutboxStore(client: runtime.postgres, logger: runtime.logger),
                    redis: runtime.redis,
                    layout: runtime.configuration.pipelineLayout,
                    logger: runtime.logger
                )
                relay.schemaReady = { await runtime.schema.ready() }
                let kick: @Sendable () -> Void = { [relay] in relay.kick() }
                let environment = EnvironmentReader()
                let dependencies = try CommandDependencies(runtime: runtime, environment: environment, onCommit: kick)
                let retentionHours = try environment.int("NOVYSE_IDEMPOTENCY_TTL_HOURS", default: 24, range: 1...8760)
                let janitor = IdempotencyJanitor(
                    store: dependencies.store, retention: .seconds(retentionHours * 3600), interval: .seconds(600),
                    logger: runtime.logger, schemaReady: { await runtime.schema.ready() }
                )
                return (CommandRouter.build(dependencies), [relay, janitor])
            })
    }
}
