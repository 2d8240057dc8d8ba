import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private PostgreSQL cluster on 127.0.0.1, for `novysectl dev` and the test suite.
///
/// PostgreSQL refuses to run as root, so when this process is root the server commands run as the
/// `postgres` user through `runuser`, and the data directory is handed to that user.
public final class LocalPostgres: Sendable {
    public let port: Int
    public let dataDirectory: String
    public let superuser = "postgres"
    private let binDirectory: String
    private let ownsDirectory: Bool

    /// Starts a cluster; `dataDirectory` nil means a fresh temporary one (deleted by `stop()`), an existing
    /// initialized directory is reused. `durable: false` turns fsync off: for tests, never for data you keep.
    public static func start(
        dataDirectory: String? = nil,
        port: Int? = nil,
        durable: Bool = true
    ) async throws -> LocalPostgres {
        let binDirectory = try findBinDirectory()
        let directory: String
        let owns: Bool
        if let dataDirectory {
            directory = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            owns = false
        } else {
            directory = try makeTemporaryDirectory(prefix: "novyse-pg")
            owns = true
        }
        let port = try port ?? Network.freePort()
        let server = LocalPostgres(port: port, dataDirectory: directory, binDirectory: binDirectory, ownsDirectory: owns)
        try await server.prepareDirectory()
        if !FileManager.default.fileExists(atPath: directory + "/PG_VERSION") {
            try await server.runAsServerUser(
                "initdb",
                [
                    "-D", directory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync",
                ])
        }
        var options = "-p \(port) -c listen_addresses=127.0.0.1 -k \(directory) -c max_connections=400"
        if !durable {
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        }
        try await server.runAsServerUser(
            "pg_ctl",
            [
                "-D", directory, "-l", directory + "/server.log", "-w", "-t", "60", "-o", options, "start",
            ])
        if let pid = server.postmasterPID {
            Shell.killWhenParentDies(pid: pid, signal: "INT")
        }
        try await Network.waitUntil("PostgreSQL on port \(port)") { await Network.isListening(port: port) }
        return server
    }

    private init(port: Int, dataDirectory: String, binDirectory: String, ownsDirectory: Bool) {
        self.port = port
        self.dataDirectory = dataDirectory
        self.binDirectory = binDirectory
        self.ownsDirectory = ownsDirectory
    }

    /// A `DATABASE_URL` for one database of this cluster.
    public func url(database: String) -> String {
        "postgres://\(superuser)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// Creates a database unless it exists.
    public func createDatabase(_ name: String) async throws {
        let existing = try await Shell.run(
            binDirectory + "/psql",
            [
                "-h", "127.0.0.1", "-p", "\(port)", "-U", superuser, "-d", "postgres", "-tAc",
                "SELECT 1 FROM pg_database WHERE datname = '\(name.replacingOccurrences(of: "'", with: "''"))'",
            ])
        guard existing.trimmingCharacters(in: .whitespacesAndNewlines) != "1" else { return }
        try await Shell.run(binDirectory + "/createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", superuser, name])
    }

    /// Fast shutdown (running transactions are rolled back, nothing committed is lost).
    public func stop() async {
        await offloaded { self.stopBlocking() }
    }

    /// `stop()` for where no task can wait (an `atexit` handler); blocks its thread.
    public func stopBlocking() {
        _ = try? runAsServerUserBlocking("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "30", "stop"])
        if ownsDirectory { try? FileManager.default.removeItem(atPath: dataDirectory) }
    }

    /// Immediate shutdown, as after a crash; the next start recovers from the WAL.
    public func kill() async {
        _ = try? await runAsServerUser("pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"])
    }

    /// Starts the stopped cluster again on the same port and directory.
    public func restart(durable: Bool = false) async throws {
        var options = "-p \(port) -c listen_addresses=127.0.0.1 -k \(dataDirectory) -c max_connections=400"
        if !durable { options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" }
        try await runAsServerUser(
            "pg_ctl",
            [
                "-D", dataDirectory, "-l", dataDirectory + "/server.log", "-w", "-t", "60", "-o", options, "start",
            ])
        try await Network.waitUntil("PostgreSQL on port \(port)") { await Network.isListening(port: port) }
    }

    private var postmasterPID: Int32? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first
        else { return nil }
        return Int32(first.trimmingCharacters(in: .whitespaces))
    }

    /// As root, hands the data directory to the `postgres` user, and lets that user traverse (only traverse:
    /// `o+x`, no listing) each ancestor that would stop it, such as a 0700 home or temporary directory.
    private func prepareDirectory() async throws {
        guard Shell.isRoot else { return }
        try await Shell.run("/bin/chown", ["-R", "postgres:postgres", dataDirectory])
        try await Shell.run("/bin/chmod", ["700", dataDirectory])
        var ancestor = URL(fileURLWithPath: dataDirectory).deletingLastPathComponent()
        while ancestor.path != "/" {
            let attributes = try FileManager.default.attributesOfItem(atPath: ancestor.path)
            if let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value, mode & 0o001 == 0 {
                try await Shell.run("/bin/chmod", ["o+x", ancestor.path])
                FileHandle.standardError.write(Data("note: allowed the postgres user to traverse \(ancestor.path)\n".utf8))
            }
            ancestor = ancestor.deletingLastPathComponent()
        }
    }

    @discardableResult
    private func runAsServerUser(_ tool: String, _ arguments: [String]) async throws -> String {
        try await offloaded { try self.runAsServerUserBlocking(tool, arguments) }
    }

    @discardableResult
    private func runAsServerUserBlocking(_ tool: String, _ arguments: [String]) throws -> String {
        let executable = binDirectory + "/" + tool
        guard Shell.isRoot else { return try Shell.runBlocking(executable, arguments) }
        guard let runuser = Shell.which("runuser") else { throw DevServerError.binaryNotFound("runuser") }
        return try Shell.runBlocking(runuser, ["-u", "postgres", "--", executable] + arguments)
    }

    /// `NOVYSE_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin` (Debian), else `initdb` on `PATH`.
    static func findBinDirectory() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["NOVYSE_PG_BIN"], !configured.isEmpty {
            return configured
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        if let initdb = Shell.which("initdb") {
            return URL(fileURLWithPath: initdb).deletingLastPathComponent().path
        }
        throw DevServerError.binaryNotFound("PostgreSQL server binaries (initdb, pg_ctl)")
    }
}

/// Creates a fresh directory under the temporary directory.
public func makeTemporaryDirectory(prefix: String) throws -> String {
    var template = Array((NSTemporaryDirectory() + "/\(prefix)-XXXXXX").utf8CString)
    guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw DevServerError.system("mkdtemp failed: errno \(errno)")
    }
    return String(cString: result)
}
