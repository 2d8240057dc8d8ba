import ArgumentParser
import Logging
import NovyseService
import NovyseStorage

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending schema migrations (safe to run twice, and from several processes at once)."
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = Observability.logger("novysectl", level: .notice)
        let report = try await withPostgresClient(url: try database.resolvedURL(), logger: logger) { client in
            try await Migrator().migrate(client: client, logger: logger)
        }
        if report.applied.isEmpty {
            print("schema up to date (\(report.alreadyApplied.count) migrations)")
        } else {
            print("applied migrations \(report.applied.map(String.init).joined(separator: ", "))")
        }
    }
}
