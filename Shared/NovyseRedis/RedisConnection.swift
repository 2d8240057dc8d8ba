import CHiredis

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One blocking hiredis connection.
///
/// Deliberately not `Sendable`: hiredis contexts are not thread-safe, so a connection is only ever
/// touched by the one pool thread that has leased it (see `RedisConnectionPool`). Every call here
/// blocks, which is why none of them may run on an event loop.
final class RedisConnection {
    private var context: UnsafeMutablePointer<redisContext>?
    /// Kept outside the context so another thread can `shutdown(2)` the socket to interrupt a blocking
    /// read without touching hiredis state.
    let fileDescriptor: Int32
    private var socketTimeout: Duration
    /// Set once hiredis reported an I/O or protocol error: hiredis errors are sticky, so the
    /// connection can only be freed and replaced.
    private(set) var isBroken = false
    /// The last failure means the peer had already gone (EOF, reset, broken pipe), the signature of
    /// an idle connection that outlived a Redis restart.
    private(set) var failedBecausePeerWasGone = false

    private init(context: UnsafeMutablePointer<redisContext>, timeout: Duration) {
        self.context = context
        self.fileDescriptor = context.pointee.fd
        self.socketTimeout = timeout
    }

    deinit { close() }

    /// Opens and prepares a connection (timeouts, keep-alive, AUTH, SELECT). Transport failures are
    /// reported as `connectionFailed` because no caller command has been sent yet.
    static func connect(_ configuration: RedisConfiguration) throws -> RedisConnection {
        _ = brokenPipesIgnored
        let opened = configuration.host.withCString {
            redisConnectWithTimeout($0, Int32(clamping: configuration.port), configuration.connectTimeout.socketTimeout)
        }
        guard let opened else { throw RedisError.connectionFailed("hiredis could not allocate a context") }
        let target = "\(configuration.host):\(configuration.port)"
        if opened.pointee.err != 0 {
            let reason = Self.errorText(opened)
            redisFree(opened)
            throw RedisError.connectionFailed("\(target): \(reason)")
        }
        let connection = RedisConnection(context: opened, timeout: configuration.connectTimeout)
        // hiredis opens its socket without SOCK_CLOEXEC: a process this one starts (a test's Postgres or
        // redis-server, `novysectl dev`'s services) would inherit the connection and keep it open after
        // this side closed it.
        _ = fcntl(connection.fileDescriptor, F_SETFD, fcntl(connection.fileDescriptor, F_GETFD) | FD_CLOEXEC)
        do {
            try connection.applyTimeout(configuration.commandTimeout)
            // Keep-alive lets the kernel notice a vanished server on long-idle connections.
            _ = redisEnableKeepAlive(opened)
            #if canImport(Darwin)
                var one: Int32 = 1
                _ = setsockopt(connection.fileDescriptor, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
            #endif
            if let password = configuration.password {
                _ = try connection.command(["AUTH", password], timeout: configuration.commandTimeout)
            }
            if configuration.database != 0 {
                _ = try connection.command(["SELECT", String(configuration.database)], timeout: configuration.commandTimeout)
            }
        } catch RedisError.io(let reason) {
            throw RedisError.connectionFailed("\(target): \(reason)")
        } catch RedisError.timeout {
            throw RedisError.connectionFailed("\(target): no answer to the connection handshake")
        }
        return connection
    }

    /// Sends one command and waits for its reply. An error reply is thrown as `RedisError.server` and
    /// leaves the connection usable; any other failure marks it broken.
    ///
    /// The socket timeout is switched lazily to `timeout` before sending, so a blocking command's
    /// extended timeout is put back by the next ordinary command on this connection.
    func command(_ arguments: [String], timeout: Duration) throws -> RedisValue {
        guard let context, !isBroken else { throw RedisError.io("connection already closed") }
        guard !arguments.isEmpty else { throw RedisError.server(kind: "ERR", message: "no command given") }
        if timeout != socketTimeout { try applyTimeout(timeout) }
        let raw = Self.withArgv(arguments) { argc, argv, lengths in
            redisCommandArgv(context, argc, argv, lengths)
        }
        guard let raw else { throw recordFailure(errnoAfterCall: errno) }
        defer { freeReplyObject(raw) }
        return try Self.value(from: raw.assumingMemoryBound(to: redisReply.self))
    }

    /// True when an idle connection has something to read, a hang-up or an error pending. Nothing
    /// should ever arrive on an idle connection, so any of these means the server closed it (most
    /// often: Redis restarted) and reusing it would fail.
    var looksDisconnected: Bool {
        guard context != nil, !isBroken else { return true }
        var descriptor = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) != 0
    }

    /// Frees the hiredis context (closing the socket). Safe to call more than once.
    func close() {
        guard let context else { return }
        redisFree(context)
        self.context = nil
    }

    private func applyTimeout(_ timeout: Duration) throws {
        guard let context else { throw RedisError.io("connection already closed") }
        guard redisSetTimeout(context, timeout.socketTimeout) == REDIS_OK else {
            throw recordFailure(errnoAfterCall: errno)
        }
        socketTimeout = timeout
    }

    private func recordFailure(errnoAfterCall savedErrno: Int32) -> RedisError {
        isBroken = true
        guard let context else { return .io("connection already closed") }
        let message = Self.errorText(context)
        switch context.pointee.err {
        case REDIS_ERR_EOF:
            failedBecausePeerWasGone = true
            return .io(message)
        case REDIS_ERR_IO:
            // hiredis turns errno into errstr with strerror; compare both in case errno was reset.
            if Self.matches(savedErrno, message, [EAGAIN, EWOULDBLOCK, ETIMEDOUT]) { return .timeout }
            if Self.matches(savedErrno, message, [ECONNRESET, EPIPE, ENOTCONN, ECONNABORTED]) {
                failedBecausePeerWasGone = true
            }
            return .io(message)
        case REDIS_ERR_PROTOCOL:
            return .io("protocol error: \(message)")
        default:
            return .io(message.isEmpty ? "hiredis error \(context.pointee.err)" : message)
        }
    }

    private static func matches(_ savedErrno: Int32, _ message: String, _ codes: [Int32]) -> Bool {
        codes.contains { code in
            code == savedErrno || strerror(code).map { String(cString: $0) } == message
        }
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { bytes in
            let text = bytes.prefix { $0 != 0 }
            return String(decoding: text, as: UTF8.self)
        }
    }
}

/// hiredis writes with `write(2)`, which raises SIGPIPE (killing the process) when Redis has closed
/// the socket. Linux has no per-socket opt-out, so, like SwiftNIO, ignore SIGPIPE process-wide once.
private let brokenPipesIgnored: Bool = {
    #if canImport(Glibc)
        _ = signal(SIGPIPE, SIG_IGN)
    #endif
    return true
}()
