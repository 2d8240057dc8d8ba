import ArgumentParser
import Foundation
import Logging
import NovyseClient
import NovyseService

/// `novysectl demo`: the sync engine seen from the devices' side, against a running stack.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Three simulated users chat; one goes offline, misses edits, reactions and a profile change, and catches up.",
        discussion: """
            Runs against a running stack (`novysectl dev` in another terminal). Creates three users through the \
            development admin endpoints, gives each a device with an in-memory mirror (the NovyseClient library), \
            lets them chat over the real services, takes one device offline while the others edit, react and \
            change a profile, brings it back, prints what its update cycle brought, and checks every mirror \
            against a fresh initialize plus full history. Exits 1 if a mirror differs.
            """
    )

    @Option(help: "Command service base URL.") var commandURL = "http://127.0.0.1:8081"
    @Option(help: "Query service base URL.") var queryURL = "http://127.0.0.1:8082"
    @Option(help: "Fan-out (Socket.IO) base URL.") var fanoutURL = "http://127.0.0.1:8083"
    @Option(help: "The stack's NOVYSE_ADMIN_TOKEN (default: $NOVYSE_ADMIN_TOKEN, else dev-admin-token).")
    var adminToken: String?
    @Option(help: "Seconds to wait for each step before giving up.") var stepTimeout = 20

    func run() async throws {
        let token = adminToken ?? EnvironmentReader().string("NOVYSE_ADMIN_TOKEN") ?? "dev-admin-token"
        let admin = NovyseDevAdmin(commandURL: commandURL, adminToken: token)
        let demo = DemoScenario(
            admin: admin, endpoints: (commandURL, queryURL, fanoutURL), stepTimeout: .seconds(stepTimeout),
            logger: Observability.logger("novysectl.demo", level: .warning)
        )
        let converged = try await demo.run()
        if !converged { throw ExitCode(1) }
    }
}
