import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Loopback ports that belong to this process for its whole life.
///
/// Binding port 0 and closing it (the usual "free port" trick) leaves a window in which another test's
/// server takes the port, and a port given back when a server stops can be handed to the next server, so a
/// test that stopped "its" Redis may find another test's Redis answering there. Instead each port is
/// reserved once and never handed out again by this process: a lock file (`flock`) in a shared directory
/// keeps other processes that use this allocator (a second test run, `novysectl dev`) off it, and ports are
/// taken below the kernel's ephemeral range, so no outgoing connection or `bind(0)` is given one either.
/// The locks go away with the process.
enum PortReservations {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cursor: Int?
    nonisolated(unsafe) private static var lockFiles: [Int32] = []
    static let directory = "/tmp/novyse-port-locks"

    /// A port nobody else listens on and no cooperating process holds; reserved until this process exits.
    static func reserve() throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        let range = candidateRange()
        let size = range.count
        guard size > 0 else {
            throw DevServerError.system("no room for reserved ports outside net.ipv4.ip_local_port_range")
        }
        var position = cursor ?? Int(getpid()) &* 7919 % size
        for _ in 0..<size {
            let port = range.lowerBound + position % size
            position += 1
            if let fd = claim(port) {
                cursor = position
                lockFiles.append(fd)
                return port
            }
        }
        throw DevServerError.system("no free loopback port left in \(range)")
    }

    /// Below the ephemeral range when it leaves room there (Linux: 32768–60999 by default), else above it.
    private static func candidateRange() -> Range<Int> {
        var low = 32768
        var high = 60999
        if let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8) {
            let numbers = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
            if numbers.count == 2 { (low, high) = (numbers[0], numbers[1]) }
        }
        let below = 12_000..<max(12_000, low)
        let above = min(65_536, high + 1)..<65_536
        return below.count >= above.count ? below : above
    }

    /// Takes the port's lock file and checks that nothing is bound to the port; the lock's descriptor on
    /// success, nil when another process holds it or something already listens there.
    private static func claim(_ port: Int) -> Int32? {
        mkdir(directory, 0o777)
        chmod(directory, 0o1777)
        let fd = open("\(directory)/\(port).lock", O_CREAT | O_RDONLY | O_CLOEXEC, 0o666)
        guard fd >= 0 else { return nil }
        fchmod(fd, 0o666)  // whatever the umask: another user's run can lock it too
        guard flock(fd, LOCK_EX | LOCK_NB) == 0, isBindable(port) else {
            close(fd)
            return nil
        }
        return fd
    }

    private static func isBindable(_ port: Int) -> Bool {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { return false }
        defer { close(socketFD) }
        // As the servers bind (they set SO_REUSEADDR): a connection of a stopped server in TIME_WAIT does not
        // make the port unusable, a listener does.
        var yes: Int32 = 1
        setsockopt(socketFD, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0
    }
}
