import ArgumentParser
import Foundation
import NovyseService

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print a development access token for a user and device (signed with NOVYSE_JWT_SECRET)."
    )

    @Option(help: "The user's UUID.") var user: String
    @Option(help: "A device identifier (the token's did claim).") var device: String = "cli"
    @Option(help: "Lifetime in seconds.") var ttl: Int = 86_400

    func run() async throws {
        guard let userID = UUID(uuidString: user) else { throw ValidationError("--user must be a UUID") }
        guard ttl > 0 else { throw ValidationError("--ttl must be positive") }
        let authority = try await TokenAuthority(configuration: JWTConfiguration(environment: EnvironmentReader()))
        print(try await authority.issue(userID: userID, deviceID: device, lifetime: .seconds(ttl)))
    }
}
