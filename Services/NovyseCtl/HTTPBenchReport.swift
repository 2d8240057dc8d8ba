import Foundation

/// The comparisons `bench http` ends with: each request against the floor it stands on, and the targets
/// BENCHMARKS.md holds them to.
enum HTTPBenchReport {
    static func ratios(_ lines: [String: BenchFigures], reads: [Int], writes: [Int]) -> [String] {
        var out: [String] = []
        func figure(_ name: String, _ connections: Int) -> BenchFigures? { lines["\(name) ×\(connections)"] }
        for connections in reads {
            guard let floor = figure("query GET /health/live", connections) else { continue }
            for name in ["update, nothing new", "update, delta", "initialize", "history page (50)"] {
                guard let line = figure(name, connections) else { continue }
                out.append(
                    "\(name) ×\(connections): "
                        + String(
                            format: "p50 %.3f ms = HTTP floor + %.3f ms; %.0f /s = %.2f× the floor's rate", line.p50, line.p50 - floor.p50,
                            line.perSecond, line.perSecond / floor.perSecond))
            }
        }
        for connections in writes {
            guard let floor = figure("command GET /health/live", connections), let commit = figure("postgres durable 1-row commit", connections)
            else { continue }
            for name in ["send", "edit", "reaction (add, withdraw)"] {
                guard let line = figure(name, connections) else { continue }
                out.append(
                    "\(name) ×\(connections): "
                        + String(
                            format: "p50 %.3f ms = HTTP floor + %.3f ms; %.0f /s = %.2f× the bare commit rate (%.0f /s)", line.p50,
                            line.p50 - floor.p50, line.perSecond, line.perSecond / commit.perSecond,
                            commit.perSecond))
            }
        }
        let failed = lines.values.filter { $0.failures > 0 }
        if !failed.isEmpty { out.append("FAILED answers in: " + failed.map { "\($0.name) ×\($0.connections)" }.sorted().joined(separator: ", ")) }
        return out
    }
}
