import Foundation
import NovyseService
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `novysectl dev`, run as a developer runs it: private Postgres and Redis, four services, Ctrl-C.
@Suite("novysectl dev")
struct DevStackTests {
    @Test("brings up the four services ready, and SIGINT stops them and the private databases")
    func upAndDown() async throws {
        let dataDirectory = try makeTemporaryDirectory(prefix: "novyse-dev-test")
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "DATABASE_URL")
        environment.removeValue(forKey: "REDIS_URL")
        var ports: [ServiceKind: Int] = [:]
        for kind in ServiceKind.allCases {
            let port = try Network.freePort()
            ports[kind] = port
            environment[kind.portKey] = "\(port)"
        }
        let postgresPort = try Network.freePort()
        let redisPort = try Network.freePort()
        let dev = ManagedProcess(
            name: "novysectl",
            executable: BuiltProducts.path("novysectl"),
            arguments: ["dev", "--data-dir", dataDirectory, "--postgres-port", "\(postgresPort)", "--redis-port", "\(redisPort)"],
            environment: environment,
            output: .captured
        )
        try dev.start()

        do {
            try await TestDeadline.waitUntil("the dev stack banner", timeout: .seconds(150) * TestDeadline.scale) {
                dev.capturedOutput.contains("Novyse Sync is up") || !dev.isRunning
            }
        } catch {
            await dev.stop()
            Issue.record("dev stack did not come up: \(dev.capturedOutput.suffix(3000))")
            return
        }
        #expect(dev.isRunning, "\(dev.capturedOutput.suffix(3000))")
        for kind in ServiceKind.allCases {
            let ready = await HTTPProbe.request(port: ports[kind]!, path: "/health/ready", timeout: TestDeadline.generous)
            #expect(ready?.status == 200, "\(kind) not ready")
        }
        #expect(await Network.isListening(port: postgresPort))
        #expect(await Network.isListening(port: redisPort))
        // Prefixed logs from every service reach the developer's terminal.
        for kind in ServiceKind.allCases {
            #expect(dev.capturedOutput.contains("[\(kind.rawValue)] "), "no output from \(kind)")
        }

        dev.signal(SIGINT)
        let status = await dev.waitForExit(timeout: TestDeadline.generous)
        #expect(status == 0, "\(dev.capturedOutput.suffix(3000))")
        for kind in ServiceKind.allCases {
            #expect(await !Network.isListening(port: ports[kind]!), "\(kind) still listening")
        }
        #expect(await !Network.isListening(port: postgresPort), "PostgreSQL still running")
        #expect(await !Network.isListening(port: redisPort), "Redis still running")
        #expect(!FileManager.default.fileExists(atPath: dataDirectory + "/postgres/postmaster.pid"))
    }
}
