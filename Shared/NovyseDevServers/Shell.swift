import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small, synchronous process helpers for starting local servers; never used on a request path.
public enum Shell {
    /// Runs a command to completion and returns its output (stdout and stderr); a non-zero exit throws with
    /// the output, so the caller sees why `initdb` or `pg_ctl` refused.
    ///
    /// This uses `posix_spawn` and `waitpid`, not Foundation's `Process`: on Linux, `Process` learns that a
    /// child exited when a socket the child inherited is closed, and a daemon the child starts (`pg_ctl start`
    /// forks the postmaster) inherits that socket too, so `waitUntilExit()` would wait for the daemon. Output
    /// goes to a temporary file rather than a pipe for the same reason.
    ///
    /// It blocks its thread in `waitpid`, so async code calls `run`, which does this on a thread of its own.
    @discardableResult
    public static func runBlocking(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil
    ) throws -> String {
        var template = Array((NSTemporaryDirectory() + "/novyse-shell-XXXXXX").utf8CString)
        let outputFD = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard outputFD >= 0 else { throw DevServerError.system("mkstemp failed: errno \(errno)") }
        let outputPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer {
            close(outputFD)
            unlink(outputPath)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 1)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 2)
        // Nothing else of this process reaches the child: without this, `pg_ctl start`'s postmaster inherits
        // every socket a test process has open at that moment without close-on-exec (hiredis connections,
        // listening sockets), and keeps them open for its whole life after their owner closed them.
        _ = posixSpawnFileActionsAddCloseFrom(&actions, 3)

        let environmentStrings = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environmentStrings.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw DevServerError.system("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw DevServerError.system("waitpid failed: errno \(errno)") }
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard exitCode == 0 else {
            let command = ([executable] + arguments).joined(separator: " ")
            throw DevServerError.commandFailed(command: command, status: exitCode, output: text)
        }
        return text
    }

    /// `runBlocking` off the cooperative pool (see `offloaded`): a test process starting servers keeps its
    /// in-process services running meanwhile.
    @discardableResult
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil
    ) async throws -> String {
        try await offloaded { try runBlocking(executable, arguments, environment: environment) }
    }

    /// Finds an executable on `PATH` or in the given extra directories.
    public static func which(_ name: String, extraDirectories: [String] = []) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + extraDirectories + ["/usr/sbin", "/sbin"]
        for directory in directories {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `body` (which spawns a child) with no signal blocked on the calling thread.
    ///
    /// A child inherits its parent thread's signal mask, and Swift concurrency's threads block almost every
    /// signal; a server spawned from async code would then never see SIGTERM and could only be killed.
    public static func withDefaultSignalMask<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    /// True when this process runs as root; PostgreSQL refuses to run as root, so its commands are then
    /// run as the `postgres` user.
    public static var isRoot: Bool { geteuid() == 0 }

    /// Starts a background shell that kills `pid` with `signal` once the current process is gone, so a
    /// crashed test run or a killed `novysectl dev` does not leave servers behind. The watcher ends as soon
    /// as `pid` itself is gone, so it never signals a later process that reuses the number.
    public static func killWhenParentDies(pid: Int32, signal: String = "KILL") {
        let parent = getpid()
        let script = """
            while kill -0 \(pid) 2>/dev/null; do
              kill -0 \(parent) 2>/dev/null || { kill -\(signal) \(pid) 2>/dev/null; exit 0; }
              sleep 1
            done
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
    }
}

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which its headers declare only for
/// `_GNU_SOURCE`, so the Glibc module does not import it.
#if canImport(Glibc)
    @_silgen_name("posix_spawn_file_actions_addclosefrom_np")
    private func posixSpawnFileActionsAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
#else
    private func posixSpawnFileActionsAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32 { 0 }
#endif
