import ArgumentParser
import Foundation
import Logging
import NovyseCore
import NovyseService
import NovyseStorage

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage development users.",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user and print its UUID.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Unique handle (letters, digits, '_', '.', 3–32 characters).") var handle: String
        @Option(help: "Display name.") var name: String
        @Option(help: "Surname.") var surname: String = ""

        func validate() throws {
            guard handle.count >= 3, handle.count <= 32,
                handle.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
            else { throw ValidationError("the handle must be 3–32 letters, digits, '_' or '.'") }
            guard !name.isEmpty, name.count <= 64 else { throw ValidationError("the name must be 1–64 characters") }
        }

        func run() async throws {
            let logger = Observability.logger("novysectl", level: .notice)
            let profile = ProfileFields(handle: handle, name: name, surname: surname)
            let id = try await withPostgresClient(url: try database.resolvedURL(), logger: logger) { client in
                try await UserRepository(client: client, logger: logger).create(profile)
            }
            print(id.uuidString.lowercased())
        }
    }
}
