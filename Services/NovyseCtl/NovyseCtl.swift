import ArgumentParser
import Foundation
import NovyseService

/// The entry point: installs logging in `LOG_FORMAT` (parsed as the services parse it; a bad value exits 78
/// naming the key), then runs the command line.
@main
enum NovyseCtlMain {
    static func main() async {
        do {
            Observability.bootstrap(logFormat: try ServiceConfiguration.LogFormat(environment: EnvironmentReader()))
        } catch {
            FileHandle.standardError.write(Data("novysectl: \(error)\n".utf8))
            exit(78)
        }
        await NovyseCtl.main()
    }
}

/// The operator's and developer's tool: schema migrations, development users and tokens, the local stack.
struct NovyseCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "novysectl",
        abstract: "Operate a Novyse Sync deployment.",
        subcommands: [
            MigrateCommand.self, UserCommand.self, TokenCommand.self, DevCommand.self, BenchCommand.self, ProjectorCommand.self,
            DemoCommand.self,
        ]
    )
}

/// `--database-url`, defaulting to `DATABASE_URL` like the services.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "Postgres URL (default: $DATABASE_URL).")
    var databaseURL: String?

    func resolvedURL() throws -> String {
        if let databaseURL { return databaseURL }
        if let fromEnvironment = EnvironmentReader().string("DATABASE_URL") { return fromEnvironment }
        throw ValidationError("set DATABASE_URL or pass --database-url")
    }
}
