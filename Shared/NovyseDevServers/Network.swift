import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Loopback port helpers for servers started on this machine.
public enum Network {
    /// A loopback port reserved for this process for its whole life (see `PortReservations`): no other server
    /// started through this package, in this process or another, is given it, so a server that stops cannot
    /// be answered for by someone else's, and a restart on the same port finds it free.
    public static func freePort() throws -> Int {
        try PortReservations.reserve()
    }

    /// Opens a TCP connection to 127.0.0.1:`port` with send and receive timeouts; nil when refused.
    /// The caller owns (and closes) the descriptor.
    public static func connectLoopback(port: Int, timeout: Duration = .seconds(5)) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var time = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(clamping: port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// True when something accepts TCP connections on 127.0.0.1:`port`. Blocking: from async code use
    /// `isListening(port:)`'s async form, which runs it on its own thread.
    public static func isListeningNow(port: Int) -> Bool {
        guard let fd = connectLoopback(port: port, timeout: .seconds(1)) else { return false }
        close(fd)
        return true
    }

    /// True when something accepts TCP connections on 127.0.0.1:`port`; the connect runs off the
    /// cooperative pool.
    public static func isListening(port: Int) async -> Bool {
        await offloaded { isListeningNow(port: port) }
    }

    /// Polls until `check` holds or `timeout` passes; polling is the only way to learn that a child server
    /// is ready, and the loop is bounded. The condition is checked once more after the deadline, so a check
    /// that itself took long (a busy machine) is not mistaken for one that failed.
    public static func waitUntil(
        _ what: String,
        timeout: Duration = .seconds(120),
        check: () async -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await check() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        if await check() { return }
        throw DevServerError.notReady("\(what) (waited \(timeout))")
    }
}
