import Foundation
import Logging
import NovyseCore
import NovyseRedis
import NovyseStorage
import PostgresNIO
import TestSupport

/// Where the pipeline stands: what the command side has not published, what the snapshot lacks, and what
/// Redis has not delivered or not seen acknowledged.
struct PipelineState: Sendable, CustomStringConvertible {
    var outbox = 0
    var streamsBehind = 0
    var idDistance: Int64 = 0
    /// Pending entries per partition key (only those with some).
    var pending: [String: Int] = [:]
    /// Pending entries per consumer, over all partitions.
    var pendingByConsumer: [String: Int] = [:]
    /// Partitions whose newest entry the group has not delivered yet.
    var undelivered: [String] = []
    /// Partitions without the consumer group (after a `FLUSHALL`, until the projector recreates it).
    var missingGroups: [String] = []

    var pendingTotal: Int { pending.values.reduce(0, +) }

    var settled: Bool {
        outbox == 0 && streamsBehind == 0 && pendingTotal == 0 && undelivered.isEmpty && missingGroups.isEmpty
    }

    var description: String {
        "outbox=\(outbox) streamsBehind=\(streamsBehind) idDistance=\(idDistance) pending=\(pendingTotal) "
            + "\(pendingByConsumer.sorted { $0.key < $1.key }) undelivered=\(undelivered.count) missingGroups=\(missingGroups.count)"
    }
}

extension ProjectorFixture {
    var storeLogger: Logger {
        var logger = Logger(label: "novyse.projector.tests.store")
        logger.logLevel = .warning
        return logger
    }

    /// The projector's storage on the test's database.
    var store: ProjectorStore { ProjectorStore(client: postgres, logger: storeLogger) }

    /// The pipeline's state right now.
    func pipelineState() async throws -> PipelineState {
        var state = PipelineState()
        state.outbox = try await outboxCount()
        let lag = try await store.lag()
        state.streamsBehind = lag.streamsBehind
        state.idDistance = lag.idDistance
        for key in layout.allKeys {
            do {
                let summary = try await redis.xpending(key, group: group)
                if summary.count > 0 { state.pending[key] = summary.count }
                for (consumer, count) in summary.consumers where count > 0 { state.pendingByConsumer[consumer, default: 0] += count }
            } catch RedisError.server(kind: "NOGROUP", _) {
                state.missingGroups.append(key)
                continue
            }
            if let delivered = try await lastDeliveredID(key),
                let newest = try await redis.send(["XREVRANGE", key, "+", "-", "COUNT", "1"]).firstEntryID,
                Self.compare(newest, delivered) > 0
            {
                state.undelivered.append(key)
            }
        }
        return state
    }

    /// Polls (bounded) until the outbox is empty, the snapshot has every committed item, and the group has
    /// delivered and seen acknowledged every entry of every partition; returns the settled state.
    @discardableResult
    func settle(timeout: Duration = TestDeadline.generous) async throws -> PipelineState {
        let deadline = ContinuousClock.now + timeout
        var last = PipelineState()
        while ContinuousClock.now < deadline {
            last = try await pipelineState()
            if last.settled { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        last = try await pipelineState()
        if last.settled { return last }
        throw HarnessError("the projector did not settle within \(timeout): \(last)\n\(diagnostics())")
    }

    /// Rebuilds the snapshot from zero beside the live one and compares checksums (no swap).
    func replay() async throws -> ProjectorStore.ReplayReport {
        try await store.replay(swap: false)
    }

    /// `settle()`, then `replay()`.
    func settleAndReplay(timeout: Duration = TestDeadline.generous) async throws -> (PipelineState, ProjectorStore.ReplayReport) {
        let started = ContinuousClock.now
        let state = try await settle(timeout: timeout)
        let settled = ContinuousClock.now - started
        let report = try await replay()
        print("settled in \(settled); replayed \(report.items) items in \(ContinuousClock.now - started - settled)")
        return (state, report)
    }

    /// The consumer group's `last-delivered-id` on `key`, from `XINFO GROUPS`; nil without the group.
    func lastDeliveredID(_ key: String) async throws -> String? {
        guard case .array(let groups) = try await redis.send(["XINFO", "GROUPS", key]) else { return nil }
        for case .array(let fields) in groups {
            var info: [String: RedisValue] = [:]
            var index = 0
            while index + 1 < fields.count {
                if case .string(let name) = fields[index] { info[name] = fields[index + 1] }
                index += 2
            }
            guard case .string(let name)? = info["name"], name == group else { continue }
            if case .string(let id)? = info["last-delivered-id"] { return id }
        }
        return nil
    }

    /// Orders two stream entry IDs (`ms-seq`).
    static func compare(_ lhs: String, _ rhs: String) -> Int {
        func parts(_ id: String) -> (UInt64, UInt64) {
            let split = id.split(separator: "-")
            return (UInt64(split.first ?? "0") ?? 0, UInt64(split.count > 1 ? split[1] : "0") ?? 0)
        }
        let (a, b) = (parts(lhs), parts(rhs))
        return a < b ? -1 : (a == b ? 0 : 1)
    }
}

extension RedisValue {
    /// The ID of the first entry of an `XRANGE`/`XREVRANGE` reply.
    var firstEntryID: String? {
        guard case .array(let entries) = self, case .array(let entry)? = entries.first, case .string(let id)? = entry.first else {
            return nil
        }
        return id
    }
}
