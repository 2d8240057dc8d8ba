import Foundation
import NovyseCore
import NovyseDevServers
import NovyseService

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The services a benchmark measures, started by the benchmark itself from the binaries next to
/// `novysectl` on the given Postgres and Redis, on free loopback ports, with a private JWT secret, admin
/// token and Redis key prefix (so a development stack on the same Redis is not disturbed). Starting them
/// here gives each service's PID for its memory figures and needs nothing running beforehand.
struct BenchStack: Sendable {
    let processes: [ServiceKind: ManagedProcess]
    let ports: [ServiceKind: Int]
    let adminToken: String
    let tokens: TokenAuthority

    var commandPort: Int { ports[.command] ?? 0 }
    var fanoutPort: Int { ports[.fanout] ?? 0 }
    var queryPort: Int { ports[.query] ?? 0 }

    static func start(
        _ services: [ServiceKind], databaseURL: String, redisURL: String, settings: [String: String] = [:]
    ) async throws -> BenchStack {
        let secret = "bench-" + UUID().uuidString + UUID().uuidString
        let adminToken = "bench-admin-" + UUID().uuidString
        var ports: [ServiceKind: Int] = [:]
        var environment = ProcessInfo.processInfo.environment
        for kind in ServiceKind.allCases {
            ports[kind] = try Network.freePort()
            environment[kind.portKey] = "\(ports[kind] ?? 0)"
        }
        environment["DATABASE_URL"] = databaseURL
        environment["REDIS_URL"] = redisURL
        environment["NOVYSE_HOST"] = "127.0.0.1"
        environment["NOVYSE_JWT_SECRET"] = secret
        environment["NOVYSE_ADMIN_TOKEN"] = adminToken
        environment["NOVYSE_ADMIN_ENABLED"] = "true"
        environment["NOVYSE_RATE_LIMITS_ENABLED"] = "false"  // the bench floods on purpose
        // Every bench socket comes from this one address, many of them mid-handshake at once.
        environment["NOVYSE_FANOUT_MAX_UNAUTHENTICATED_PER_ADDRESS"] = "1000000"
        environment["NOVYSE_REDIS_PREFIX"] = "novyse-bench-\(UInt32.random(in: 0...UInt32.max))"
        environment["LOG_LEVEL"] = environment["LOG_LEVEL"] ?? "warning"
        environment.merge(settings) { _, new in new }
        var processes: [ServiceKind: ManagedProcess] = [:]
        for kind in services {
            processes[kind] = ManagedProcess(
                name: kind.executableName, executable: sibling(kind.executableName), environment: environment, output: .captured
            )
        }
        let stack = BenchStack(
            processes: processes, ports: ports, adminToken: adminToken,
            tokens: try await TokenAuthority(configuration: JWTConfiguration(hmacSecret: secret))
        )
        do {
            for kind in services { try processes[kind]?.start() }
            for kind in services {
                guard let process = processes[kind], let port = ports[kind] else { continue }
                try await Network.waitUntil("\(process.name) ready on port \(port)", timeout: .seconds(90)) {
                    guard process.isRunning else { return true }  // exited: reported below
                    return await HTTPProbe.request(port: port, path: "/health/ready", timeout: .seconds(2))?.status == 200
                }
                guard process.isRunning else {
                    throw DevServerError.notReady("\(process.name) exited: \(process.capturedOutput.suffix(2000))")
                }
            }
        } catch {
            await stack.stop()
            throw error
        }
        return stack
    }

    func stop() async {
        for process in processes.values { await process.stop() }
    }

    /// The last lines `kind` printed, for a failure report.
    func logTail(_ kind: ServiceKind) -> String { String(processes[kind]?.capturedOutput.suffix(2000) ?? "") }

    /// A user created through the admin API, with a token for `device`.
    func user(_ handle: String, device: String = "bench") async throws -> (id: UUID, token: String) {
        let answer = try await call(
            "POST", "/admin/users", headers: ["X-Admin-Token": adminToken], body: #"{"handle":"\#(handle)","name":"Bench"}"#
        )
        guard let data = answer["data"] as? [String: Any], let text = data["uuid"] as? String, let id = UUID(uuidString: text) else {
            throw DevServerError.notReady("user creation answered \(answer)")
        }
        return (id, try await tokens.issue(userID: id, deviceID: device))
    }

    /// Creates a group chat of `owner` with `members`.
    func chat(owner: String, members: [UUID]) async throws -> UUID {
        let body = String(decoding: try JSONEncoder().encode(CreateChatRequest(type: .group, memberUUIDs: members, name: "bench")), as: UTF8.self)
        let answer = try await call("POST", "/chat/create", headers: ["Authorization": "Bearer \(owner)"], body: body)
        guard let data = answer["data"] as? [String: Any], let text = data["chatUUID"] as? String, let id = UUID(uuidString: text) else {
            throw DevServerError.notReady("chat creation answered \(answer)")
        }
        return id
    }

    /// Sends a message through URLSession, whose I/O runs on its own threads: a blocking client on the
    /// cooperative pool would delay the benchmark's own sockets and inflate the latency it measures.
    func send(_ content: String, chat: UUID, token: String) async throws -> Int {
        let body = try JSONEncoder().encode(SendMessageRequest(chatUUID: chat, content: content, clientMessageID: UUID()))
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(commandPort)/message")!, timeoutInterval: 30)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if status != 200 { print("send answered \(status): \(String(decoding: data.prefix(300), as: UTF8.self))") }
        return status
    }

    /// The fan-out process's resident memory, in bytes.
    var fanoutResidentBytes: Int { residentBytes(.fanout) }

    /// A service process's resident memory, from `/proc/<pid>/status` (`VmRSS`), in bytes.
    func residentBytes(_ kind: ServiceKind) -> Int {
        guard let process = processes[kind],
            let status = try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return kilobytes * 1024
    }

    private func call(_ method: String, _ path: String, headers: [String: String], body: String) async throws -> [String: Any] {
        var headers = headers
        headers["Content-Type"] = "application/json"
        guard
            let response = await HTTPProbe.request(
                port: commandPort, method: method, path: path, headers: headers, body: body, timeout: .seconds(20)
            )
        else { throw DevServerError.notReady("no answer to \(method) \(path)") }
        return (try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any] ?? ["status": response.status]
    }

    private static func sibling(_ name: String) -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
