import NovyseRedis
import TestSupport
import Testing

@Suite("Consumer groups against a real redis-server")
struct RedisConsumerGroupTests {
    /// Far longer than any test's patience (`TestDeadline.generous`): an elapsed time below half of it tells
    /// "woken" from "waited the block out" however loaded the machine is.
    static let longBlock = Duration.seconds(600)

    @Test("two consumers split the entries, XACK empties the pending list")
    func delivery() async throws {
        try await withRedis { _, redis in
            #expect(try await redis.xgroupCreate("orders", group: "g", startID: "0"))
            #expect(try await redis.xgroupCreate("orders", group: "g", startID: "0") == false)

            var added: [String] = []
            for index in 0..<10 {
                added.append(try await redis.xadd("orders", fields: [("n", "\(index)")]))
            }
            let first = try await redis.xreadgroup(group: "g", consumer: "a", streams: [(key: "orders", id: ">")], count: 4)
            let second = try await redis.xreadgroup(group: "g", consumer: "b", streams: [(key: "orders", id: ">")], count: 100)
            #expect(first.map(\.key) == ["orders"])
            let aIDs = first.flatMap(\.entries).map(\.id)
            let bIDs = second.flatMap(\.entries).map(\.id)
            #expect(aIDs.count == 4)
            #expect(bIDs.count == 6)
            #expect(Set(aIDs).isDisjoint(with: bIDs))
            #expect(aIDs + bIDs == added)
            #expect(try await redis.xreadgroup(group: "g", consumer: "a", streams: [(key: "orders", id: ">")]) == [])

            let pending = try await redis.xpending("orders", group: "g")
            #expect(pending == RedisPendingSummary(count: 10, smallestID: added.first, largestID: added.last, consumers: ["a": 4, "b": 6]))

            #expect(try await redis.xack("orders", group: "g", ids: aIDs) == 4)
            #expect(try await redis.xack("orders", group: "g", ids: bIDs) == 6)
            #expect(try await redis.xack("orders", group: "g", ids: bIDs) == 0)
            #expect(try await redis.xack("orders", group: "g", ids: []) == 0)
            let after = try await redis.xpending("orders", group: "g")
            #expect(after == RedisPendingSummary(count: 0, smallestID: nil, largestID: nil, consumers: [:]))
        }
    }

    @Test("a blocking read longer than the command timeout returns [] and the timeout is restored")
    func blockTimesOut() async throws {
        // The extended timeout is the block plus the command timeout: 3 s of slack for Redis to answer.
        try await withRedis(poolSize: 1, commandTimeout: .seconds(3)) { _, redis in
            try await redis.xgroupCreate("quiet", group: "g")
            let clock = ContinuousClock()
            let start = clock.now
            let batches = try await redis.xreadgroup(
                group: "g", consumer: "c", streams: [(key: "quiet", id: ">")], block: .seconds(6)
            )
            let elapsed = clock.now - start
            #expect(batches == [])
            #expect(elapsed >= .milliseconds(5900))
            // A read that outlived its extended timeout would have thrown above; this only bounds a hang.
            #expect(elapsed < TestDeadline.generous)

            // Same single connection: an unrecognised blocking command must hit the plain 3 s command
            // timeout again, not the extended one (BLPOP would block 30 s).
            let timedOut = await #expect(throws: RedisError.self) { try await redis.send(["BLPOP", "nothing", "30"]) }
            #expect(timedOut == .timeout)
            #expect(timedOut?.code == "REDIS_TIMEOUT")
            try await redis.ping()
        }
    }

    @Test("a blocking read returns as soon as an entry is added")
    func blockWakesUp() async throws {
        try await withRedis(poolSize: 3) { _, redis in
            try await redis.xgroupCreate("jobs", group: "g")
            let clock = ContinuousClock()
            let start = clock.now
            let reader = Task {
                try await redis.xreadgroup(
                    group: "g", consumer: "c", streams: [(key: "jobs", id: ">")], count: 10, block: Self.longBlock
                )
            }
            try await waitForBlockedClients(1, on: redis)
            let id = try await redis.xadd("jobs", fields: [("job", "resize")])
            let batches = try await reader.value
            #expect(clock.now - start < Self.longBlock / 2, "woken by the entry, not at the end of the block")
            #expect(batches == [RedisStreamBatch(key: "jobs", entries: [RedisStreamEntry(id: id, fields: ["job": "resize"])])])
        }
    }

    @Test("cancelling the task ends a blocking read at once")
    func cancelBlockingRead() async throws {
        try await withRedis(poolSize: 2) { _, redis in
            try await redis.xgroupCreate("idle", group: "g")
            let reader = Task {
                try await redis.xreadgroup(group: "g", consumer: "c", streams: [(key: "idle", id: ">")], block: Self.longBlock)
            }
            try await waitForBlockedClients(1, on: redis)
            let clock = ContinuousClock()
            let start = clock.now
            reader.cancel()
            await #expect(throws: CancellationError.self) { try await reader.value }
            #expect(clock.now - start < Self.longBlock / 2, "ended by the cancellation, not at the end of the block")
            try await redis.ping()
            try await waitForBlockedClients(0, on: redis)
        }
    }

    @Test("shutdown interrupts a blocking read and later calls fail with .shutDown")
    func shutdownDuringBlockingRead() async throws {
        try await withRedis(poolSize: 2) { _, redis in
            try await redis.xgroupCreate("idle", group: "g")
            let reader = Task {
                try await redis.xreadgroup(group: "g", consumer: "c", streams: [(key: "idle", id: ">")], block: Self.longBlock)
            }
            try await waitForBlockedClients(1, on: redis)
            let clock = ContinuousClock()
            let start = clock.now
            await redis.shutdown()
            #expect(clock.now - start < Self.longBlock / 2, "interrupted by the shutdown, not at the end of the block")
            let readError = await #expect(throws: RedisError.self) { try await reader.value }
            #expect(readError == .shutDown)
            let later = await #expect(throws: RedisError.self) { try await redis.ping() }
            #expect(later?.code == "REDIS_SHUT_DOWN")
            await redis.shutdown()
        }
    }

    @Test("XAUTOCLAIM hands a vanished consumer's entries to another one")
    func autoClaim() async throws {
        try await withRedis { _, redis in
            try await redis.xgroupCreate("tasks", group: "workers", startID: "0")
            var ids: [String] = []
            for index in 0..<3 {
                ids.append(try await redis.xadd("tasks", fields: [("task", "\(index)")]))
            }
            // Consumer A reads and then "disappears" without acknowledging.
            let read = try await redis.xreadgroup(group: "workers", consumer: "a", streams: [(key: "tasks", id: ">")])
            #expect(read.flatMap(\.entries).map(\.id) == ids)

            #expect(try await redis.xautoclaim("tasks", group: "workers", consumer: "b", minIdle: .seconds(60)).entries == [])
            try await Task.sleep(for: .milliseconds(120))
            let claimed = try await redis.xautoclaim("tasks", group: "workers", consumer: "b", minIdle: .milliseconds(50))
            #expect(claimed.entries.map(\.id) == ids)
            #expect(claimed.entries.map { $0.fields["task"] } == ["0", "1", "2"])
            #expect(claimed.nextStart == "0-0")
            #expect(claimed.deletedIDs == [])

            let rows = try await redis.xpending("tasks", group: "workers", count: 10)
            #expect(rows.map(\.id) == ids)
            #expect(rows.allSatisfy { $0.consumer == "b" && $0.deliveries == 2 })
            #expect(rows.allSatisfy { $0.idle < .seconds(10) })
            #expect(try await redis.xpending("tasks", group: "workers", count: 10, consumer: "a") == [])
            #expect(try await redis.xpending("tasks", group: "workers", count: 10, consumer: "b").count == 3)
            #expect(try await redis.xpending("tasks", group: "workers", count: 10, minIdle: .seconds(60)) == [])
            #expect(try await redis.xpending("tasks", group: "workers", start: ids[1], end: "+", count: 1).map(\.id) == [ids[1]])
        }
    }

    @Test("pending entries deleted from the stream are skipped, and reported by XAUTOCLAIM")
    func deletedPendingEntries() async throws {
        try await withRedis { _, redis in
            try await redis.xgroupCreate("s", group: "g", startID: "0")
            let first = try await redis.xadd("s", fields: [("n", "1")])
            let second = try await redis.xadd("s", fields: [("n", "2")])
            _ = try await redis.xreadgroup(group: "g", consumer: "a", streams: [(key: "s", id: ">")])
            _ = try await redis.send(["XDEL", "s", first])

            // Re-reading A's history returns the deleted entry with nil fields: it must be skipped.
            let history = try await redis.xreadgroup(group: "g", consumer: "a", streams: [(key: "s", id: "0")])
            #expect(history == [RedisStreamBatch(key: "s", entries: [RedisStreamEntry(id: second, fields: ["n": "2"])])])

            let claimed = try await redis.xautoclaim("s", group: "g", consumer: "b", minIdle: .zero)
            #expect(claimed.entries.map(\.id) == [second])
            #expect(claimed.deletedIDs == [first])
        }
    }
}
