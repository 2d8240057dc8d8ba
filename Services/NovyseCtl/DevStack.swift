import Foundation
import Logging
import NovyseDevServers
import NovyseService
import NovyseStorage
import ServiceLifecycle

/// The local stack as one `Service`: its run starts everything and, on graceful shutdown, stops it all in
/// reverse order.
struct DevStack: Service {
    let dataDirectory: String
    let postgresPort: Int?
    let redisPort: Int?
    let logger: Logger

    func run() async throws {
        let environment = EnvironmentReader()
        var postgres: LocalPostgres?
        var redis: LocalRedis?
        var children: [ManagedProcess] = []
        do {
            let databaseURL: String
            if let url = environment.string("DATABASE_URL") {
                databaseURL = url
            } else {
                say("starting PostgreSQL in \(dataDirectory)/postgres …")
                let server = try await LocalPostgres.start(dataDirectory: dataDirectory + "/postgres", port: postgresPort)
                postgres = server
                try await server.createDatabase("novyse")
                databaseURL = server.url(database: "novyse")
            }
            let redisURL: String
            if let url = environment.string("REDIS_URL") {
                redisURL = url
            } else {
                say("starting Redis in \(dataDirectory)/redis …")
                let server = try await LocalRedis.start(
                    port: redisPort, dataDirectory: absolute(dataDirectory + "/redis"), appendOnly: true
                )
                redis = server
                redisURL = server.url
            }
            let report = try await withPostgresClient(url: databaseURL, logger: logger) { client in
                try await Migrator().migrate(client: client, logger: logger)
            }
            say("schema ready (applied: \(report.applied))")

            let childEnvironment = serviceEnvironment(databaseURL: databaseURL, redisURL: redisURL, environment)
            for kind in ServiceKind.allCases {
                let process = ManagedProcess(
                    name: kind.rawValue,
                    executable: siblingExecutable(kind.executableName),
                    environment: childEnvironment,
                    output: .prefixed(kind.rawValue)
                )
                try process.start()
                children.append(process)
            }
            try await waitUntilReady(environment)
            try printBanner(databaseURL: databaseURL, redisURL: redisURL, childEnvironment)

            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                if let dead = children.first(where: { !$0.isRunning }) {
                    logger.error("a service exited; stopping the stack", metadata: ["service": "\(dead.name)"])
                    break
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        } catch {
            say("novysectl dev: \(error)")
            await stopAll(children)
            if let redis { await redis.stop() }
            await postgres?.stop()
            throw error
        }
        say("stopping …")
        await stopAll(children)
        if let redis { await redis.stop() }
        redis = nil
        await postgres?.stop()
        postgres = nil
        say("stopped")
    }

    private func stopAll(_ children: [ManagedProcess]) async {
        await withTaskGroup(of: Void.self) { group in
            for child in children { group.addTask { await child.stop() } }
        }
    }

    private func serviceEnvironment(
        databaseURL: String, redisURL: String, _ environment: EnvironmentReader
    ) -> [String: String] {
        var values = environment.values
        values["DATABASE_URL"] = databaseURL
        values["REDIS_URL"] = redisURL
        values["NOVYSE_HOST"] = environment.string("NOVYSE_HOST", default: "127.0.0.1")
        values["NOVYSE_ENV"] = environment.string("NOVYSE_ENV", default: "development")
        values["NOVYSE_JWT_SECRET"] = environment.string("NOVYSE_JWT_SECRET", default: JWTConfiguration.developmentSecret)
        values["NOVYSE_ADMIN_TOKEN"] = environment.string("NOVYSE_ADMIN_TOKEN", default: "dev-admin-token")
        values["LOG_FORMAT"] = environment.string("LOG_FORMAT", default: "text")
        values["NOVYSE_MIGRATE_ON_START"] = "false"
        return values
    }

    private func port(_ kind: ServiceKind, _ environment: EnvironmentReader) throws -> Int {
        try environment.int(kind.portKey, default: kind.defaultPort, range: 0...65535)
    }

    private func waitUntilReady(_ environment: EnvironmentReader) async throws {
        for kind in ServiceKind.allCases {
            let port = try port(kind, environment)
            try await Network.waitUntil("\(kind.executableName) on port \(port)", timeout: .seconds(90)) {
                await HTTPProbe.request(port: port, path: "/health/ready", timeout: .seconds(2))?.status == 200
            }
        }
    }

    private func printBanner(databaseURL: String, redisURL: String, _ childEnvironment: [String: String]) throws {
        let environment = EnvironmentReader()
        var lines = ["", "Novyse Sync is up. Every service answers /health/ready with 200:"]
        for kind in ServiceKind.allCases {
            let port = try port(kind, environment)
            lines.append("  \(kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) http://127.0.0.1:\(port)")
        }
        lines += [
            "  postgres   \(databaseURL)",
            "  redis      \(redisURL)",
            "",
            "Admin token: \(childEnvironment["NOVYSE_ADMIN_TOKEN"] ?? "")",
            "Try: DATABASE_URL='\(databaseURL)' \(siblingExecutable("novysectl")) user create --handle alice --name Alice",
            "Press Ctrl-C to stop everything.",
            "",
        ]
        say(lines.joined(separator: "\n"))
    }

    /// Writes straight to standard output: `print` is block-buffered when stdout is a pipe or a file, and
    /// the banner must reach a log or a supervising process as soon as the stack is up.
    private func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    private func siblingExecutable(_ name: String) -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent(name).path
    }

    private func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
