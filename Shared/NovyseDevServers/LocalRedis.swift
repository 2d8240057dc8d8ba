import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private `redis-server` on 127.0.0.1 for tests and `novysectl dev`.
///
/// Each instance has its own port and data directory, so parallel tests never share state, and the
/// server is tied to this process's lifetime so a crashed test run leaves nothing behind.
/// `@unchecked Sendable` because the only mutable state, the running process, is guarded by `lock`.
public final class LocalRedis: @unchecked Sendable {
    public let port: Int
    /// Redis' working directory: its log (`redis.log`) and, with `appendOnly`, its AOF files.
    public let dataDirectory: String
    private let binary: String
    private let appendOnly: Bool
    /// Only a directory this instance created is deleted when it goes away.
    private let ownsDataDirectory: Bool

    private let lock = NSLock()
    private var process: Process?

    public var url: String { "redis://127.0.0.1:\(port)" }
    public var logFile: String { dataDirectory + "/redis.log" }

    private init(port: Int, dataDirectory: String, binary: String, appendOnly: Bool, ownsDataDirectory: Bool, process: Process) {
        self.port = port
        self.dataDirectory = dataDirectory
        self.binary = binary
        self.appendOnly = appendOnly
        self.ownsDataDirectory = ownsDataDirectory
        self.process = process
    }

    deinit {
        // Last resort for callers that forgot `stop()`: no waiting is possible here, so SIGKILL.
        if let process, process.isRunning {
            sendSignal(SIGKILL, to: process.processIdentifier)
        }
        if ownsDataDirectory {
            try? FileManager.default.removeItem(atPath: dataDirectory)
        }
    }

    /// Starts a server and returns once it answers commands.
    ///
    /// - Parameters:
    ///   - port: a fixed port; by default (or with 0) a free one is picked, and picked again if
    ///     another process grabs it before Redis binds it.
    ///   - dataDirectory: kept after the server goes away; by default a temporary directory that is
    ///     deleted with this instance.
    ///   - appendOnly: enables the AOF with `fsync` on every write, so data survives `kill()`;
    ///     snapshots are always off (`--save ""`) to keep tests fast.
    public static func start(port: Int? = nil, dataDirectory: String? = nil, appendOnly: Bool = false) async throws -> LocalRedis {
        guard let binary = Shell.which("redis-server") else { throw DevServerError.binaryNotFound("redis-server") }
        let directory: String
        if let dataDirectory {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            directory = dataDirectory
        } else {
            directory = try makeTemporaryDirectory(prefix: "novyse-redis")
        }
        // Port 0 would make redis-server listen on no TCP port at all; treat it as "pick one".
        let port = port == 0 ? nil : port
        let attempts = port == nil ? 3 : 1
        var lastError: any Error = DevServerError.notReady("redis-server")
        for _ in 0..<attempts {
            do {
                let chosenPort = try port ?? Network.freePort()
                let process = try await launch(binary: binary, port: chosenPort, directory: directory, appendOnly: appendOnly)
                return LocalRedis(
                    port: chosenPort,
                    dataDirectory: directory,
                    binary: binary,
                    appendOnly: appendOnly,
                    ownsDataDirectory: dataDirectory == nil,
                    process: process
                )
            } catch {
                lastError = error
                // Only an early exit (most likely a lost race for the port) is worth another try.
                guard case DevServerError.commandFailed? = error as? DevServerError else { break }
            }
        }
        if dataDirectory == nil { try? FileManager.default.removeItem(atPath: directory) }
        throw lastError
    }

    /// Asks Redis to exit (SIGTERM) and waits until the process is gone, escalating to SIGKILL after 10
    /// seconds; once it returns nothing answers on `port` (the port stays reserved for this process).
    /// Does nothing when the server is already stopped.
    public func stop() async {
        let process = locked { () -> Process? in
            defer { self.process = nil }
            return self.process
        }
        guard let process else { return }
        await Self.terminate(process)
    }

    /// Stops the server and starts a new one on the same port and data directory, as a Redis
    /// restart in production would. The port stays reserved for this process meanwhile (see
    /// `Network.freePort()`), so no other server can have taken it.
    public func restart() async throws {
        await stop()
        let process = try await Self.launch(binary: binary, port: port, directory: dataDirectory, appendOnly: appendOnly)
        locked { self.process = process }
    }

    /// Kills the server with SIGKILL, simulating a crash; it does not wait. Follow with `restart()`
    /// (or `stop()`, which then only reaps it).
    public func kill() {
        locked {
            if let process, process.isRunning {
                sendSignal(SIGKILL, to: process.processIdentifier)
            }
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

extension LocalRedis {
    private static func launch(binary: String, port: Int, directory: String, appendOnly: Bool) async throws -> Process {
        let logPath = directory + "/redis.log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        guard let log = FileHandle(forWritingAtPath: logPath) else {
            throw DevServerError.system("cannot open \(logPath) for writing")
        }
        defer { try? log.close() }
        log.seekToEndOfFile()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.arguments = [
            "--port", String(port),
            "--bind", "127.0.0.1",
            "--protected-mode", "no",
            "--daemonize", "no",
            "--save", "",
            "--appendonly", appendOnly ? "yes" : "no",
            "--appendfsync", "always",
            "--dir", directory,
            // Empty means standard output, which goes to the log file, together with the fatal
            // configuration errors Redis prints before its logging is set up.
            "--logfile", "",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try Shell.withDefaultSignalMask { try process.run() }
        let pid = process.processIdentifier
        Shell.killWhenParentDies(pid: pid)

        do {
            try await Network.waitUntil("redis-server on port \(port) (log: \(logPath))") {
                guard process.isRunning else { return true }
                return await offloaded { isOurServer(port: port, pid: pid) }
            }
        } catch {
            await terminate(process)
            throw error
        }
        guard process.isRunning else {
            throw DevServerError.commandFailed(
                command: "redis-server --port \(port)",
                status: process.terminationStatus,
                output: (try? String(contentsOfFile: logPath, encoding: .utf8)).map { String($0.suffix(2000)) } ?? ""
            )
        }
        return process
    }

    private static func terminate(_ process: Process) async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline {
            await Task.yieldingSleep(.milliseconds(20))
        }
        guard process.isRunning else { return }
        sendSignal(SIGKILL, to: process.processIdentifier)
        // SIGKILL cannot be ignored; this bounded wait only covers the kernel tearing it down. It ignores
        // cancellation: a caller that stops a server must find it gone.
        let killDeadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < killDeadline {
            await Task.yieldingSleep(.milliseconds(10))
        }
    }

    /// Readiness probe: true when the server on `port` answers `INFO server` with our `pid`, so a
    /// foreign server that grabbed the port is never mistaken for ours. A `-LOADING` reply is "not yet".
    private static func isOurServer(port: Int, pid: Int32) -> Bool {
        guard let fd = Network.connectLoopback(port: port, timeout: .seconds(1)) else { return false }
        defer { close(fd) }
        let request = Array("INFO server\r\n".utf8)
        #if os(Linux)
            let flags = Int32(MSG_NOSIGNAL)
        #else
            let flags: Int32 = 0
        #endif
        guard send(fd, request, request.count, flags) == request.count else { return false }

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 65_536 {
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { return false }
            received += buffer[0..<count]
            let text = String(decoding: received, as: UTF8.self)
            if text.hasPrefix("-") { return false }
            // "\r\n" is one Character in Swift, so look for any newline rather than "\r".
            if let label = text.range(of: "process_id:"), let end = text[label.upperBound...].firstIndex(where: \.isNewline) {
                return text[label.upperBound..<end] == String(pid)
            }
        }
        return false
    }
}

/// A free function because inside `LocalRedis` the name `kill` means the instance method.
private func sendSignal(_ signal: Int32, to pid: Int32) {
    _ = kill(pid, signal)
}
