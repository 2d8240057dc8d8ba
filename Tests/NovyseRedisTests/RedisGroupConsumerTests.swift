import Logging
import NovyseRedis
import TestSupport
import Testing

/// The consumer-group loop the projector and the wake-up sender share, against a real redis-server: the
/// group is created when missing, recreated when Redis lost it under a running consumer, and claims hand
/// over what a dead consumer left pending.
@Suite("RedisGroupConsumer against a real redis-server")
struct RedisGroupConsumerTests {
    /// Far longer than any test's patience, so a read that returns was woken, not timed out.
    static let longBlock = Duration.seconds(600)

    static func consumer(
        _ redis: RedisClient, keys: [String] = ["s1", "s2"], name: String = "me", startID: String = "0",
        readiness: Locked<[Bool]>? = nil
    ) -> RedisGroupConsumer {
        var logger = Logger(label: "novyse.redis.tests")
        logger.logLevel = .critical
        return RedisGroupConsumer(
            redis: redis, keys: keys, group: "g", consumer: name, startID: startID, logger: logger,
            readinessChanged: { ready in readiness?.withLock { $0.append(ready) } }
        )
    }

    @Test("the first call creates the group on every stream, from the configured start")
    func createsGroups() async throws {
        try await withRedis { _, redis in
            let early = try await redis.xadd("s1", fields: [("n", "early")])
            let fromStart = Self.consumer(redis)
            #expect(try await fromStart.prepare() == 2)
            #expect(try await fromStart.prepare() == 0, "known to exist: no round trip")
            let batches = try await fromStart.read(count: 10, block: .milliseconds(1))
            #expect(batches.flatMap(\.entries).map(\.id) == [early], "a group from 0 sees what was there")

            let fromNow = RedisGroupConsumer(
                redis: redis, keys: ["s3"], group: "g", consumer: "me", startID: "$", logger: Logger(label: "test")
            )
            _ = try await redis.xadd("s3", fields: [("n", "before")])
            #expect(try await fromNow.read(count: 10, block: .milliseconds(1)) == [], "a group from $ does not")
        }
    }

    @Test("a group deleted under the consumer is recreated, and reading goes on")
    func recreatesADeletedGroup() async throws {
        try await withRedis { _, redis in
            let readiness = Locked<[Bool]>([])
            let groups = Self.consumer(redis, readiness: readiness)
            try await groups.prepare()
            _ = try await redis.xadd("s1", fields: [("n", "1")])
            let first = try await groups.read(count: 10, block: .milliseconds(1))
            #expect(first.flatMap(\.entries).count == 1)
            for batch in first { try await groups.acknowledge(batch) }

            _ = try await redis.send(["XGROUP", "DESTROY", "s1", "g"])
            #expect(try await groups.read(count: 10, block: .milliseconds(1)) == [], "NOGROUP reads as nothing")
            #expect(!groups.isReady)

            let second = try await redis.xadd("s1", fields: [("n", "2")])
            let batches = try await groups.read(count: 10, block: .milliseconds(1))
            #expect(groups.isReady)
            // Recreated from 0: the entry read before the loss comes again (consumers tolerate duplicates).
            #expect(batches.flatMap(\.entries).map { $0.fields["n"] ?? "" } == ["1", "2"])
            #expect(batches.flatMap(\.entries).last?.id == second)
            #expect(readiness.current == [true, false, true])
        }
    }

    @Test("a read blocked when Redis is flushed returns empty at once, and the group comes back")
    func flushUnderABlockedRead() async throws {
        try await withRedis(poolSize: 3) { _, redis in
            let clock = ContinuousClock()
            let start = clock.now
            // The consumer lives in the reading task (it is not Sendable), as in the services.
            let reader = Task {
                let groups = Self.consumer(redis, keys: ["s1"])
                try await groups.prepare()
                let blocked = try await groups.read(count: 10, block: Self.longBlock)
                let lost = !groups.isReady
                let id = try await redis.xadd("s1", fields: [("n", "after")])
                let after = try await groups.read(count: 10, block: .milliseconds(1)).flatMap(\.entries).map(\.id)
                return (blocked: blocked, lost: lost, recovered: after == [id])
            }
            try await waitForBlockedClients(1, on: redis)
            _ = try await redis.send(["FLUSHALL"])
            let outcome = try await reader.value
            #expect(outcome.blocked == [])
            #expect(clock.now - start < Self.longBlock / 2, "ended by the flush, not at the end of the block")
            #expect(outcome.lost)
            #expect(outcome.recovered, "the group came back and delivers what was added after the flush")
        }
    }

    @Test("claim hands what a dead consumer left pending to the handler; pendingCount sees what is left")
    func claimsPendingEntries() async throws {
        try await withRedis { _, redis in
            let dead = Self.consumer(redis, name: "dead")
            for index in 0..<5 { _ = try await redis.xadd(index < 3 ? "s1" : "s2", fields: [("n", "\(index)")]) }
            #expect(try await dead.read(count: 10, block: .milliseconds(1)).flatMap(\.entries).count == 5)
            #expect(try await dead.pendingCount() == 5)

            let alive = Self.consumer(redis, name: "alive")
            var handled: [String: Int] = [:]
            // COUNT 2 over 3 pending entries on s1: two pages.
            let claimed = try await alive.claim(minIdle: .zero, count: 2, maxPages: 10) { batch in
                handled[batch.key, default: 0] += batch.entries.count
                if batch.key == "s1" { try await alive.acknowledge(batch) }
            }
            #expect(claimed == 5)
            #expect(handled == ["s1": 3, "s2": 2])
            #expect(try await alive.pendingCount() == 2, "only what the handler acknowledged is gone")
            let summary = try await redis.xpending("s2", group: "g")
            #expect(summary.consumers == ["alive": 2])
        }
    }

    @Test("claim and pendingCount on a lost group return without throwing and mark it for re-creation")
    func claimOnALostGroup() async throws {
        try await withRedis { _, redis in
            let groups = Self.consumer(redis)
            try await groups.prepare()
            _ = try await redis.send(["FLUSHALL"])
            #expect(try await groups.claim(minIdle: .zero, count: 10, maxPages: 1) { _ in } == 0)
            #expect(!groups.isReady)
            _ = try await redis.send(["FLUSHALL"])
            #expect(try await groups.pendingCount() == 0, "recreated first, so nothing is pending")
            #expect(groups.isReady)
        }
    }

    @Test("Redis failures other than a lost group are thrown to the caller's retry loop")
    func otherErrorsAreThrown() async throws {
        try await withRedis { _, redis in
            _ = try await redis.send(["SET", "s1", "not a stream"])
            let groups = Self.consumer(redis, keys: ["s1"])
            let error = await #expect(throws: RedisError.self) { _ = try await groups.read(count: 1, block: .milliseconds(1)) }
            #expect(error.map(RedisGroupConsumer.isGroupLost) == false)
            #expect(!groups.isReady)
        }
    }
}
