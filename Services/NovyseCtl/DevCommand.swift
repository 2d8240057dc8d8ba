import ArgumentParser
import Logging
import NovyseService
import ServiceLifecycle
import UnixSignals

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the whole stack on this machine until Ctrl-C.",
        discussion: """
            Without DATABASE_URL / REDIS_URL, starts a private PostgreSQL (initdb into --data-dir) and a private \
            Redis on 127.0.0.1, migrates, then starts the four services from the folder novysectl is in, with \
            their logs prefixed. Ctrl-C (or SIGTERM) stops the services, then Redis and PostgreSQL. Service ports \
            follow NOVYSE_<SERVICE>_PORT (defaults 8081–8084).
            """
    )

    @Option(help: "Where the private PostgreSQL and Redis keep their data.") var dataDir: String = ".novyse-dev"
    @Option(help: "Port of the private PostgreSQL (0 picks a free one).") var postgresPort: Int = 55432
    @Option(help: "Port of the private Redis (0 picks a free one).") var redisPort: Int = 56379

    func run() async throws {
        let logger = Observability.logger("novysectl.dev", level: .info)
        let stack = DevStack(
            dataDirectory: dataDir,
            postgresPort: postgresPort == 0 ? nil : postgresPort,
            redisPort: redisPort == 0 ? nil : redisPort,
            logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(services: [stack], gracefulShutdownSignals: [.sigint, .sigterm], logger: logger)
        )
        try await group.run()
    }
}
