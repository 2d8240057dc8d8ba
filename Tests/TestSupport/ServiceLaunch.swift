import Foundation
import NovyseDevServers

/// Finds and starts the binaries this package builds, as a deployment would run them.
public enum BuiltProducts {
    /// The build directory: `swift test` runs the test bundle from the same folder the executables are in.
    public static var directory: String {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().path
    }

    public static func path(_ name: String) -> String {
        directory + "/" + name
    }
}

/// A service binary running against the test's Postgres and Redis on free loopback ports.
public struct RunningService: Sendable {
    public let process: ManagedProcess
    public let port: Int

    /// Starts `executable` with the common test environment plus `environment`, and waits until
    /// `/health/live` answers. A free port can be taken by a parallel test between choosing and binding it;
    /// then the service exits at once, and it is started again on another port.
    /// Rate limiting stays on in tests (every mutation takes its Redis round trip, and fails open while Redis
    /// is down) but far above what a test sends; RateLimitTests set their own limits. In-process routers take
    /// the same settings.
    public static let rateLimits: [String: String] = [
        "NOVYSE_RATE_LIMIT_WRITES_PER_SECOND": "100000", "NOVYSE_RATE_LIMIT_UNAUTHENTICATED_PER_SECOND": "100000",
        "NOVYSE_RATE_LIMIT_WRITES_BURST": "1000000", "NOVYSE_RATE_LIMIT_UNAUTHENTICATED_BURST": "1000000",
        // A loaded machine may take seconds for one EVAL; a stopped Redis refuses at once anyway, so the
        // fail-open path is still taken promptly where a test stops it.
        "NOVYSE_RATE_LIMIT_TIMEOUT_MS": "10000",
    ]

    public static func start(
        _ executable: String,
        portKey: String,
        databaseURL: String,
        redisURL: String,
        environment extra: [String: String] = [:]
    ) async throws -> RunningService {
        var lastOutput = ""
        for _ in 0..<4 {
            let port = try Network.freePort()
            var environment = ProcessInfo.processInfo.environment
            environment["NOVYSE_HOST"] = "127.0.0.1"
            environment[portKey] = "\(port)"
            environment["DATABASE_URL"] = databaseURL
            environment["DATABASE_POOL_SIZE"] = "4"
            environment["REDIS_URL"] = redisURL
            environment["REDIS_POOL_SIZE"] = "4"
            environment["NOVYSE_JWT_SECRET"] = TestTokens.secret
            environment["NOVYSE_ADMIN_TOKEN"] = TestTokens.adminToken
            environment["NOVYSE_ADMIN_ENABLED"] = "true"  // the services run as in production
            environment.merge(Self.rateLimits) { _, new in new }
            // A loaded machine may need seconds to answer a probe; a stopped dependency refuses at once anyway.
            environment["NOVYSE_READINESS_TIMEOUT_MS"] = "10000"
            environment["LOG_LEVEL"] = "info"
            environment.merge(extra) { _, new in new }
            let process = ManagedProcess(
                name: executable, executable: BuiltProducts.path(executable), environment: environment, output: .captured
            )
            try process.start()
            var live = false
            try await TestDeadline.waitUntil("\(executable) /health/live") {
                guard process.isRunning else { return true }  // exited: stop waiting
                live = await HTTPProbe.request(port: port, path: "/health/live", timeout: .seconds(1))?.status == 200
                return live
            }
            if live { return RunningService(process: process, port: port) }
            lastOutput = process.capturedOutput
            await process.stop()
            guard lastOutput.contains("Address already in use") else { break }
        }
        throw DevServerError.notReady("\(executable): \(lastOutput.suffix(2000))")
    }

    public func get(_ path: String) async -> HTTPProbe.Response? {
        await HTTPProbe.request(port: port, path: path, timeout: TestDeadline.generous)
    }
}

/// Shared secrets for services started by tests.
public enum TestTokens {
    public static let secret = "novyse-test-secret-0123456789abcdef"
    public static let adminToken = "novyse-test-admin-token-0123456789abcdef"
}
