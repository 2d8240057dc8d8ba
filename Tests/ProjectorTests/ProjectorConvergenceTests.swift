import Foundation
import NovyseCore
import NovyseRedis
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The projector's fault-injection suite (issue 4; invariants I3, I4, I6): the real command service takes a
/// seeded random mix of every mutation while real projector processes are killed, Redis is flushed, entries
/// are duplicated and reordered by hand, or two projectors share the partitions. Each time, once the
/// pipeline has settled (outbox empty, no stream behind, nothing undelivered or pending in Redis), the live
/// snapshot must have the checksum of a replay from zero.
///
/// Serialized: every test runs several processes, and on a small CI machine running them side by side only
/// makes each slower. `NOVYSE_TEST_SEED` replays a run; `NOVYSE_PROJECTOR_TEST_SCALE` makes it bigger.
@Suite("Projector: the snapshot equals a replay from zero, whatever happens to the pipeline", .serialized)
struct ProjectorConvergenceTests {
    static let workers = 4
    static var operations: Int { 30 * TestKnobs.scale }

    @Test("a random mix of every mutation, one projector: checksum equals a replay; a lagging snapshot does not")
    func randomMix() async throws {
        let seed = TestKnobs.seed()
        print("ProjectorTests.randomMix seed \(seed) (NOVYSE_TEST_SEED=\(seed) replays it)")
        try await ProjectorFixture.with { fixture in
            let first = try await fixture.startProjector(consumer: "mix-1")
            try await fixture.waitForGroups()
            let workload = try await RandomWorkload.prepare(harness: fixture.command, seed: seed)
            try await workload.warmUp()
            await workload.run(workers: Self.workers, operationsPerWorker: Self.operations * 2)
            try await expectClean(workload)
            let outcomes = await workload.model.outcomes
            for kind in MutationKind.allCases {
                #expect((outcomes[kind]?.succeeded ?? 0) > 0, "no \(kind) succeeded; seed \(seed)")
            }

            let (state, report) = try await fixture.settleAndReplay()
            expectMatch(report, state, "after settling", seed: seed, fixture)
            #expect(report.items > 100, "the replay applied only \(report.items) items")
            print("randomMix: \(await workload.summary()); replayed \(report.items) items")

            // The comparison can fail: with the projector stopped, new writes leave the snapshot behind, and
            // the same check sees it.
            await first.process.stop()
            let author = workload.users[0]
            let chat = try await fixture.command.chat(.group, by: author, with: [workload.users[1]], name: "after stop")
            for index in 0..<3 {
                #expect(try await fixture.command.send("late \(index)", in: chat, as: author).status == 200)
            }
            try await fixture.waitForEmptyOutbox()
            let behind = try await fixture.pipelineState()
            #expect(behind.streamsBehind > 0, "the stopped projector cannot have applied the late writes: \(behind)")
            let stale = try await fixture.replay()
            #expect(!stale.matches, "a snapshot missing the late writes must not match a replay")

            try await fixture.startProjector(consumer: "mix-2")
            let (caughtUp, again) = try await fixture.settleAndReplay()
            expectMatch(again, caughtUp, "after a restart", seed: seed, fixture)

            // And the checksum sees a single wrong value in the live snapshot.
            _ = try await fixture.postgres.query(
                "UPDATE snapshot.messages SET content = content || '!' WHERE id = (SELECT max(id) FROM snapshot.messages)",
                logger: fixture.storeLogger
            )
            #expect(try await fixture.replay().matches == false, "a corrupted message must change the checksum")
        }
    }

    @Test("SIGKILL the projector at random moments under load, restarting it each time: equal to a replay, nothing pending")
    func killedProjector() async throws {
        let seed = TestKnobs.seed()
        print("ProjectorTests.killedProjector seed \(seed) (NOVYSE_TEST_SEED=\(seed) replays it)")
        try await ProjectorFixture.with { fixture in
            var consumer = "kill-0"
            var projector = try await fixture.startProjector(consumer: consumer)
            try await fixture.waitForGroups()
            let workload = try await RandomWorkload.prepare(harness: fixture.command, seed: seed)
            try await workload.warmUp()

            let killing = Locked(true)
            var rng = SplitMix64(seed: seed ^ 0x6B11)
            let kills = 8 * TestKnobs.scale
            var killsLeavingPending = 0
            var stolen = 0
            async let load: Void = workload.run(workers: Self.workers, operationsPerWorker: Self.operations) { killing.current }
            for index in 1...kills {
                try await Task.sleep(for: .milliseconds(Int.random(in: 50...400, using: &rng)))
                await fixture.kill(projector)
                let dead = consumer
                if let pending = try? await fixture.pipelineState().pendingByConsumer[dead], pending > 0 { killsLeavingPending += 1 }
                // While no projector runs, a consumer reads new entries and vanishes too: exactly what a kill in
                // the middle of a batch leaves behind, made certain whatever the kill timing above hit.
                stolen += await fixture.readAsGhost("ghost-\(index)", count: 5, rng: &rng)
                // Every other restart reuses the dead consumer's name (as a fixed pod name would): its own
                // pending entries are not delivered again by `>` reads, so it must claim them too.
                consumer = index.isMultiple(of: 2) ? dead : "kill-\(index)"
                projector = try await fixture.startProjector(consumer: consumer)
            }
            killing.withLock { $0 = false }
            await load
            try await expectClean(workload)

            let (state, report) = try await fixture.settleAndReplay()
            #expect(state.pendingTotal == 0)
            expectMatch(report, state, "after settling", seed: seed, fixture)
            print(
                "killedProjector: \(kills) kills, \(killsLeavingPending) left entries pending, \(stolen) entries read by ghosts; \(await workload.summary())"
            )
        }
    }

    @Test("FLUSHALL mid-run: groups are recreated, the sweep heals what was lost, equal to a replay")
    func flushedRedis() async throws {
        let seed = TestKnobs.seed()
        print("ProjectorTests.flushedRedis seed \(seed) (NOVYSE_TEST_SEED=\(seed) replays it)")
        try await ProjectorFixture.with { fixture in
            let projector = try await fixture.startProjector(consumer: "flush-1")
            try await fixture.waitForGroups()
            let workload = try await RandomWorkload.prepare(harness: fixture.command, seed: seed)
            try await workload.warmUp()

            let flushing = Locked(true)
            var rng = SplitMix64(seed: seed ^ 0xF1)
            async let load: Void = workload.run(workers: Self.workers, operationsPerWorker: Self.operations) { flushing.current }
            for _ in 0..<(2 * TestKnobs.scale) {
                try await Task.sleep(for: .milliseconds(Int.random(in: 300...900, using: &rng)))
                _ = try await fixture.redis.send(["FLUSHALL"])
            }
            try await Task.sleep(for: .milliseconds(300))
            flushing.withLock { $0 = false }
            await load
            try await expectClean(workload)

            let (state, report) = try await fixture.settleAndReplay()
            #expect(state.missingGroups.isEmpty, "the projector must recreate the group on every partition")
            expectMatch(report, state, "after settling", seed: seed, fixture)

            // Published but never read: with the projector down, new writes reach Redis, which is then flushed.
            // Nothing of them is left in Redis at all; only Postgres (the sweep) can bring them.
            await fixture.kill(projector)
            let author = workload.users[2]
            let chat = try await fixture.command.chat(.group, by: author, with: [workload.users[3]], name: "after flush")
            for index in 0..<5 { _ = try await fixture.command.send("after flush \(index)", in: chat, as: author) }
            await workload.run(workers: Self.workers, operationsPerWorker: 10)
            try await fixture.waitForEmptyOutbox()
            #expect(try await fixture.pipelineState().streamsBehind > 0)
            _ = try await fixture.redis.send(["FLUSHALL"])
            try await fixture.startProjector(consumer: "flush-2")
            try await expectClean(workload)
            let (healed, final) = try await fixture.settleAndReplay()
            expectMatch(final, healed, "after a final flush", seed: seed, fixture)
            print("flushedRedis: \(await workload.summary())")
        }
    }

    @Test("duplicated and out-of-order entries delivered by hand: equal to a replay")
    func duplicatedAndReordered() async throws {
        let seed = TestKnobs.seed()
        print("ProjectorTests.duplicatedAndReordered seed \(seed) (NOVYSE_TEST_SEED=\(seed) replays it)")
        // A long sweep interval: the entries themselves (and the gap heals they trigger) must do the work.
        let slowSweep = ["NOVYSE_PROJECTOR_SWEEP_MS": "600000"]
        try await ProjectorFixture.with { fixture in
            let first = try await fixture.startProjector(consumer: "dup-1", environment: slowSweep)
            try await fixture.waitForGroups()
            let workload = try await RandomWorkload.prepare(harness: fixture.command, seed: seed)
            try await workload.warmUp()

            // Phase 1: copies of recent entries, shuffled, some into other partitions, while the projector runs.
            let copying = Locked(true)
            var rng = SplitMix64(seed: seed ^ 0xD0)
            var copies = 0
            async let load: Void = workload.run(workers: Self.workers, operationsPerWorker: Self.operations) { copying.current }
            for _ in 0..<(12 * TestKnobs.scale) {
                try await Task.sleep(for: .milliseconds(Int.random(in: 50...200, using: &rng)))
                copies += try await fixture.addShuffledCopies(fraction: 0.3, recentPerPartition: 30, rng: &rng)
            }
            copying.withLock { $0 = false }
            await load
            copies += try await fixture.addShuffledCopies(fraction: 1, rng: &rng)
            let (state, report) = try await fixture.settleAndReplay()
            expectMatch(report, state, "with duplicates", seed: seed, fixture)

            // Phase 2: entries the projector has never seen arrive only shuffled, mixed with old ones and
            // spread over the partitions: newer items before older ones of the same stream.
            await first.process.stop()
            await workload.run(workers: Self.workers, operationsPerWorker: Self.operations / 2)
            try await fixture.waitForEmptyOutbox()
            let reordered = try await fixture.redeliverEverythingShuffled(rng: &rng)
            try await fixture.startProjector(consumer: "dup-2", environment: slowSweep)
            try await expectClean(workload)
            let (after, final) = try await fixture.settleAndReplay()
            expectMatch(final, after, "reordered", seed: seed, fixture)
            print("duplicatedAndReordered: \(copies) copies, \(reordered) redelivered shuffled; \(await workload.summary())")
        }
    }

    @Test("two projector processes on the same partitions under load, then one dies: equal to a replay, nothing pending")
    func twoProjectors() async throws {
        let seed = TestKnobs.seed()
        print("ProjectorTests.twoProjectors seed \(seed) (NOVYSE_TEST_SEED=\(seed) replays it)")
        try await ProjectorFixture.with { fixture in
            let a = try await fixture.startProjector(consumer: "pair-a")
            try await fixture.startProjector(consumer: "pair-b")
            try await fixture.waitForGroups()
            let workload = try await RandomWorkload.prepare(harness: fixture.command, seed: seed)
            try await workload.warmUp()
            await workload.run(workers: Self.workers, operationsPerWorker: Self.operations * 2)
            try await expectClean(workload)
            let (state, report) = try await fixture.settleAndReplay()
            #expect(state.pendingTotal == 0)
            expectMatch(report, state, "two projectors", seed: seed, fixture)
            let consumers = try await fixture.groupConsumers()
            print("twoProjectors: group consumers: \(consumers)")

            // One dies under load: the survivor takes over its pending entries and its share of the work.
            let dying = Locked(true)
            async let load: Void = workload.run(workers: Self.workers, operationsPerWorker: Self.operations / 2) { dying.current }
            try await Task.sleep(for: .milliseconds(400))
            await fixture.kill(a)
            try await Task.sleep(for: .milliseconds(600))
            dying.withLock { $0 = false }
            await load
            try await expectClean(workload)
            let (after, final) = try await fixture.settleAndReplay()
            #expect(after.pendingTotal == 0)
            expectMatch(final, after, "after one died", seed: seed, fixture)
            print("twoProjectors: \(await workload.summary())")
        }
    }

    /// The live snapshot's checksum equals the replay's; otherwise says so with the pipeline's state, the
    /// seed and the projectors' output.
    private func expectMatch(
        _ report: ProjectorStore.ReplayReport, _ state: PipelineState, _ what: String, seed: UInt64, _ fixture: ProjectorFixture,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            report.matches,
            "\(what): live \(report.liveChecksum) ≠ replay \(report.rebuiltChecksum); \(state); seed \(seed) (NOVYSE_TEST_SEED=\(seed))",
            sourceLocation: sourceLocation
        )
        if !report.matches { print(fixture.diagnostics()) }
    }

    /// No 5xx and no request without an answer.
    private func expectClean(_ workload: RandomWorkload) async throws {
        let failures = await workload.failures()
        #expect(failures.isEmpty, "\(failures.count) server errors, first: \(failures.prefix(5).joined(separator: "\n"))")
    }
}

extension ProjectorFixture {
    /// Waits until the projector has created its group on every partition.
    func waitForGroups(timeout: Duration = TestDeadline.generous) async throws {
        try await TestDeadline.waitUntil("the projector's group on all \(layout.partitions) partitions", timeout: timeout) {
            ((try? await pipelineState())?.missingGroups.isEmpty) ?? false
        }
    }

    /// Reads up to `count` new entries as a consumer that then vanishes without acknowledging them.
    func readAsGhost(_ consumer: String, count: Int, rng: inout SplitMix64) async -> Int {
        let keys = layout.allKeys.shuffled(using: &rng).map { (key: $0, id: ">") }
        let batches = (try? await redis.xreadgroup(group: group, consumer: consumer, streams: keys, count: count)) ?? []
        return batches.reduce(0) { $0 + $1.entries.count }
    }

    /// Every distinct pipeline entry in Redis (copies collapsed), with the partition it was found in.
    func distinctEntries(recentPerPartition: Int? = nil) async throws -> [(key: String, entry: PipelineEntry)] {
        var seen: Set<String> = []
        var found: [(key: String, entry: PipelineEntry)] = []
        for key in layout.allKeys {
            let entries = try await redis.xrange(key)
            for entry in entries.suffix(recentPerPartition ?? entries.count) {
                guard let parsed = PipelineEntry(fields: entry.fields) else { continue }
                if seen.insert("\(parsed.stream)/\(parsed.id)").inserted { found.append((key, parsed)) }
            }
        }
        return found
    }

    /// XADDs copies of a random `fraction` of the distinct entries (of the newest `recentPerPartition` of
    /// each partition), shuffled; three in ten go to another partition than their own. Returns how many.
    func addShuffledCopies(fraction: Double, recentPerPartition: Int? = nil, rng: inout SplitMix64) async throws -> Int {
        var picked = try await distinctEntries(recentPerPartition: recentPerPartition).filter { _ in
            Double.random(in: 0..<1, using: &rng) < fraction
        }
        picked.shuffle(using: &rng)
        for (key, entry) in picked {
            let target = Int.random(in: 0..<10, using: &rng) < 3 ? layout.allKeys.randomElement(using: &rng)! : key
            _ = try await redis.xadd(target, fields: entry.fields)
        }
        return picked.count
    }

    /// Takes every entry out of Redis and puts each distinct one back once, shuffled across all partitions,
    /// behind freshly created groups: the projector's next reads see each stream's items in random order.
    func redeliverEverythingShuffled(rng: inout SplitMix64) async throws -> Int {
        var entries = try await distinctEntries().map(\.entry)
        _ = try await redis.del(layout.allKeys)
        for key in layout.allKeys { try await redis.xgroupCreate(key, group: group, startID: "$", makeStream: true) }
        entries.shuffle(using: &rng)
        for entry in entries {
            _ = try await redis.xadd(layout.allKeys.randomElement(using: &rng)!, fields: entry.fields)
        }
        return entries.count
    }

    /// The consumers the group knows on any partition (`XINFO CONSUMERS`).
    func groupConsumers() async throws -> [String] {
        var names: Set<String> = []
        for key in layout.allKeys {
            guard case .array(let consumers) = try await redis.send(["XINFO", "CONSUMERS", key, group]) else { continue }
            for case .array(let fields) in consumers {
                if fields.count >= 2, case .string(let name) = fields[1] { names.insert(name) }
            }
        }
        return names.sorted()
    }
}
