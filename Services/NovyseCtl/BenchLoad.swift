import Foundation
import NIOConcurrencyHelpers
import NovyseDevServers

/// Latency and throughput of one measured operation, printed the same way by every `bench` command.
struct BenchFigures: Sendable {
    let name: String
    let connections: Int
    let p50: Double
    let p99: Double
    let perSecond: Double
    let failures: Int

    /// Milliseconds between two clock readings.
    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    init(name: String, connections: Int, samples unsorted: [Double], seconds: Double, failures: Int) {
        let samples = unsorted.sorted()
        self.name = name
        self.connections = connections
        self.p50 = samples.isEmpty ? .nan : samples[samples.count / 2]
        self.p99 = samples.isEmpty ? .nan : samples[min(samples.count - 1, samples.count * 99 / 100)]
        self.perSecond = seconds > 0 ? Double(samples.count) / seconds : 0
        self.failures = failures
    }

    var line: String {
        let label = "\(name) ×\(connections)".padding(toLength: 46, withPad: " ", startingAt: 0)
        let failed = failures > 0 ? "  \(failures) FAILED" : ""
        return label + String(format: " p50 %8.3f ms  p99 %8.3f ms  %9.0f /s", p50, p99, perSecond) + failed
    }
}

/// Drives one HTTP operation over `connections` keep-alive connections, each on a thread of its own, and
/// measures every answer from the first byte written to the last byte read.
enum HTTPLoad {
    /// What worker `worker` sends as its `index`-th request; the warm-up's requests come first, with
    /// indexes from `-warmUp` to -1, so an alternating operation alternates throughout.
    typealias Request = @Sendable (_ worker: Int, _ index: Int) -> (method: String, path: String, headers: [String: String], body: [UInt8])

    /// `requests` answers in all (split over the connections), after a short warm-up per connection; an
    /// answer other than 200 counts as a failure and its first occurrence is printed.
    static func run(
        _ name: String, port: Int, connections: Int, requests: Int, warmUp: Int = 20, _ request: @escaping Request
    ) async throws -> BenchFigures {
        let perConnection = max(1, requests / connections)
        let started = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
        let results = try await withThrowingTaskGroup(of: (samples: [Double], failures: Int).self) { group in
            let ready = DispatchGroup()
            let go = DispatchSemaphore(value: 0)
            for worker in 0..<connections {
                ready.enter()
                group.addTask {
                    try await onThread {
                        let connection: KeepAliveConnection
                        do {
                            connection = try KeepAliveConnection(port: port)
                            for index in 0..<warmUp {
                                let (method, path, headers, body) = request(worker, index - warmUp)
                                _ = try connection.request(method, path, headers: headers, body: body)
                            }
                        } catch {
                            ready.leave()  // never leave the others waiting for this one
                            throw error
                        }
                        ready.leave()
                        go.wait()
                        return try measure(connection, worker: worker, count: perConnection, name: name, request)
                    }
                }
            }
            // Every connection warmed up before the clock starts, so throughput is of the steady state.
            try await onThread { ready.wait() }
            started.withLockedValue { $0 = ContinuousClock.now }
            for _ in 0..<connections { go.signal() }
            return try await group.reduce(into: [(samples: [Double], failures: Int)]()) { $0.append($1) }
        }
        let elapsed = ContinuousClock.now - (started.withLockedValue { $0 } ?? ContinuousClock.now)
        return BenchFigures(
            name: name, connections: connections, samples: results.flatMap(\.samples),
            seconds: BenchFigures.milliseconds(elapsed) / 1000, failures: results.reduce(0) { $0 + $1.failures })
    }

    private static func measure(
        _ connection: KeepAliveConnection, worker: Int, count: Int, name: String, _ request: Request
    ) throws -> (samples: [Double], failures: Int) {
        var samples: [Double] = []
        samples.reserveCapacity(count)
        var failures = 0
        let clock = ContinuousClock()
        for index in 0..<count {
            let (method, path, headers, body) = request(worker, index)
            let start = clock.now
            let answer = try connection.request(method, path, headers: headers, body: body)
            samples.append(BenchFigures.milliseconds(clock.now - start))
            if answer.status != 200 {
                if failures == 0 { print("\(name): \(method) \(path) answered \(answer.status) \(answer.body.prefix(300))") }
                failures += 1
            }
        }
        return (samples, failures)
    }

    /// Runs blocking `work` on a new thread, off the cooperative pool.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}

/// Drives an async operation (a store call, a Postgres statement) from `workers` concurrent tasks: the
/// timing loop of the benchmarks that measure below HTTP.
enum AsyncLoad {
    /// `count` operations over `workers` tasks (each told its index), after one warm-up call per worker.
    static func run(
        _ name: String, workers: Int, count: Int, _ operation: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> BenchFigures {
        let perWorker = max(1, count / workers)
        for worker in 0..<workers { try await operation(worker) }  // warm the pool's connections
        let clock = ContinuousClock()
        let started = clock.now
        let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var latencies: [Double] = []
                    latencies.reserveCapacity(perWorker)
                    for _ in 0..<perWorker {
                        let start = clock.now
                        try await operation(worker)
                        latencies.append(BenchFigures.milliseconds(clock.now - start))
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let seconds = BenchFigures.milliseconds(clock.now - started) / 1000
        return BenchFigures(name: name, connections: workers, samples: samples, seconds: seconds, failures: 0)
    }
}
