import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import NovyseCore
import NovyseDevServers
import NovyseService
import NovyseSocketIOCodec
import NovyseStorage

#if canImport(Glibc)
    import Glibc
#endif

/// What a connected device costs the fan-out, and how long a message takes from the command API to the
/// members' sockets. Starts its own `novyse-command` and `novyse-fanout` (`BenchStack`), so the
/// memory figure is the fan-out process's own resident size, read from `/proc`.
struct FanoutBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout",
        abstract: "Fan-out memory per idle WebSocket connection, and send-to-socket latency (p50, p99) at a steady rate."
    )

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("redis-url"), help: "Redis URL (default: $REDIS_URL).") var redisURL: String?
    @Option(help: "Idle Socket.IO connections to open.") var sockets: Int = 10_000
    @Option(help: "Members of the measured chat, each with a connected socket.") var members: Int = 20
    @Option(help: "Messages per second sent to that chat.") var rate: Int = 50
    @Option(help: "Seconds of sending.") var seconds: Int = 20
    @Option(help: "Connections opened at once.") var concurrency: Int = 100

    func run() async throws {
        let databaseURL = try database.resolvedURL()
        guard let redisURL = redisURL ?? EnvironmentReader().string("REDIS_URL") else {
            throw ValidationError("set REDIS_URL or pass --redis-url")
        }
        guard sockets >= 0, members >= 2, rate > 0, seconds > 0, concurrency > 0 else {
            throw ValidationError("--members must be at least 2; --rate, --seconds and --concurrency positive")
        }
        let descriptors = Self.raiseOpenFileLimit()
        guard descriptors >= sockets + members + 256 else {
            throw ValidationError(
                "the open-file limit is \(descriptors); \(sockets) sockets need about \(sockets + members + 256) (raise the hard limit)")
        }
        let stack = try await BenchStack.start([.command, .fanout], databaseURL: databaseURL, redisURL: redisURL)
        do {
            try await measure(stack)
        } catch {
            print("fan-out log tail:\n\(stack.logTail(.fanout))")
            await stack.stop()
            throw error
        }
        await stack.stop()
    }

    private func measure(_ stack: BenchStack) async throws {
        print(
            "sockets=\(sockets) members=\(members) rate=\(rate)/s seconds=\(seconds) database=\(DatabaseConfiguration.redacted(try database.resolvedURL()))"
        )
        // Members of the measured chat, connected first; every message:new they get is timed.
        let arrivals = NIOLockedValueBox<[(sequence: Int, at: ContinuousClock.Instant)]>([])
        let chatNew = NIOLockedValueBox(0)
        var memberIDs: [UUID] = []
        var memberTokens: [String] = []
        var memberSockets: [BenchSocket] = []
        let run = UInt32.random(in: 0...UInt32.max)
        for index in 0..<members {
            let (id, token) = try await stack.user("bench\(run)m\(index)")
            memberIDs.append(id)
            memberTokens.append(token)
            memberSockets.append(
                try await BenchSocket.connect(port: stack.fanoutPort, token: token) { event, at in
                    let packet = Substring(event.data?.jsonText ?? "")
                    if packet.hasPrefix(#"["chat:new""#) { chatNew.withLockedValue { $0 += 1 } }
                    guard let sequence = Self.sequence(in: packet) else { return }
                    arrivals.withLockedValue { $0.append((sequence, at)) }
                })
        }
        let chat = try await stack.chat(owner: memberTokens[0], members: Array(memberIDs.dropFirst()))
        try await Self.waitUntil("chat:new on every member", timeout: .seconds(30)) { chatNew.withLockedValue { $0 } == members }

        // (a) Memory per idle connection: resident size before and after, the sockets held open.
        try await Task.sleep(for: .seconds(2))
        let before = stack.fanoutResidentBytes
        let opened = ContinuousClock.now
        let idle = try await openIdleSockets(stack)
        let openSeconds = Self.seconds(ContinuousClock.now - opened)
        try await Task.sleep(for: .seconds(3))  // presence writes and buffers settle
        let after = stack.fanoutResidentBytes
        print(
            String(
                format: "idle sockets: %d opened in %.1f s (%.0f/s); fan-out RSS %.1f MiB -> %.1f MiB: %.1f KiB per connection",
                idle.count, openSeconds, Double(idle.count) / max(openSeconds, 0.001), Double(before) / 1_048_576,
                Double(after) / 1_048_576, idle.isEmpty ? 0 : Double(after - before) / Double(idle.count) / 1024
            ))

        // (b) Latency: a steady rate of messages through the command API, each timed to every member's socket.
        let sentAt = NIOLockedValueBox<[Int: ContinuousClock.Instant]>([:])
        let total = rate * seconds
        let senders = memberTokens
        let interval = Duration.seconds(1) / rate
        let start = ContinuousClock.now
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for sequence in 0..<total {
                try await Task.sleep(until: start + interval * sequence, clock: .continuous)
                group.addTask {
                    sentAt.withLockedValue { $0[sequence] = .now }
                    let status = try await stack.send("lat:\(sequence):", chat: chat, token: senders[sequence % senders.count])
                    return status == 200 ? 0 : 1
                }
            }
            return try await group.reduce(0, +)
        }
        let expected = total * members
        try? await Self.waitUntil("every delivery", timeout: .seconds(30)) { arrivals.withLockedValue { $0.count } >= expected }
        let sent = sentAt.withLockedValue { $0 }
        let latencies = arrivals.withLockedValue { $0 }.compactMap { arrival in
            sent[arrival.sequence].map { BenchFigures.milliseconds(arrival.at - $0) }
        }.sorted()
        guard !latencies.isEmpty else { throw ValidationError("no message reached a socket (\(failures) of \(total) sends failed)") }
        print(
            String(
                format:
                    "send-to-socket latency, %d messages x %d members at %d/s (%d sockets held): p50 %.2f ms  p99 %.2f ms  max %.2f ms; %d of %d deliveries, %d failed sends",
                total, members, rate, idle.count + members, latencies[latencies.count / 2],
                latencies[min(latencies.count - 1, latencies.count * 99 / 100)], latencies[latencies.count - 1],
                latencies.count, expected, failures
            ))
        for socket in idle + memberSockets { socket.close() }
    }

    /// Opens `sockets` connections, `concurrency` at a time, each for its own (made-up) user and device:
    /// tokens are signed locally, the fan-out only checks them.
    private func openIdleSockets(_ stack: BenchStack) async throws -> [BenchSocket] {
        try await withThrowingTaskGroup(of: BenchSocket.self) { group in
            var opened: [BenchSocket] = []
            opened.reserveCapacity(sockets)
            for index in 0..<sockets {
                if index >= concurrency, let socket = try await group.next() { opened.append(socket) }
                let token = try await stack.tokens.issue(userID: UUID(), deviceID: "idle-\(index)")
                group.addTask { try await BenchSocket.connect(port: stack.fanoutPort, token: token) { _, _ in } }
            }
            for try await socket in group { opened.append(socket) }
            return opened
        }
    }

    /// The `<n>` of a `message:new` whose content is `lat:<n>:`, in the text of the event's `[name, data]`.
    static func sequence(in packet: Substring) -> Int? {
        guard packet.hasPrefix(#"["message:new""#), let marker = packet.range(of: #""lat:"#) else { return nil }
        return Int(packet[marker.upperBound...].prefix { $0.isNumber })
    }

    /// Raises the soft open-file limit to the hard one (children started afterwards inherit it); returns it.
    static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resource, &limit)
        _ = getrlimit(resource, &limit)
        return Int(clamping: limit.rlim_cur)
    }

    static func waitUntil(_ what: String, timeout: Duration, _ condition: @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { throw ValidationError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func seconds(_ duration: Duration) -> Double { BenchFigures.milliseconds(duration) / 1000 }
}
