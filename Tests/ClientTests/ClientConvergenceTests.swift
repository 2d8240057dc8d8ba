import Foundation
import NovyseClient
import NovyseCore
import TestSupport
import Testing

/// The end-to-end proof of the seed's promise: several users with several devices each mutate at random,
/// concurrently, while sockets drop, devices go offline for long stretches, answers are lost and retried,
/// the projector is SIGKILLed, Redis is flushed and a fan-out process is SIGKILLed (two fan-outs run,
/// devices spread over both). Every device runs in strict mode and a monitor checks all audits every
/// 100 ms, so an item applied twice or out of order fails the run *while it happens*. Once the faults stop
/// and the system settles (outbox empty, projector lag 0, two fan-out marker rounds seen by every device),
/// each device's mirror must equal, row for row, a fresh initialize plus full history for its user.
///
/// `NOVYSE_TEST_SEED` replays the random choices; `NOVYSE_CLIENT_TEST_SCALE=N` makes it bigger.
@Suite("Client: randomized convergence under faults", .serialized)
struct ClientConvergenceTests {
    @Test("every device converges to a fresh initialize; nothing applied twice or out of order")
    func randomizedConvergence() async throws {
        let seed = ClientTestKnobs.seed()
        let scale = ClientTestKnobs.scale
        let userCount = 2 + scale
        let devicesPerUser = scale == 1 ? 2 : 3
        let workload = Duration.seconds(6 * scale)
        print(
            "ClientConvergence seed \(seed) scale \(scale): \(userCount) users × \(devicesPerUser) devices, \(workload) of load (NOVYSE_TEST_SEED=\(seed) replays it)"
        )
        let started = ContinuousClock.now
        try await ClientFixture.with(fanouts: 2, commandEnvironment: Self.lowLimits) { fixture in
            var users: [TestUser] = []
            for index in 0..<userCount { users.append(try await fixture.harness.user("user\(index)")) }
            _ = try await fixture.harness.chat(.group, by: users[0], with: Array(users.dropFirst()), name: "everyone")
            _ = try await fixture.harness.chat(.channel, by: users[1], with: users.filter { $0.id != users[1].id }, name: "news")
            _ = try await fixture.harness.chat(.dm, by: users[0], with: [users[1]])
            _ = try await fixture.harness.chat(.dm, by: users[1], with: [users[2]])

            let network = NetworkChaos(seed: seed ^ 0xA5A5)
            var devices: [SimulatedDevice] = []
            for (userIndex, user) in users.enumerated() {
                for index in 0..<devicesPerUser {
                    let client = try await fixture.device(user, name: "d\(index)", fanout: (userIndex * devicesPerUser + index) % 2) {
                        $0.transportFault = { method, path in network.fault(method, path) }
                        $0.dropPush = { _, _ in network.dropPush() }
                    }
                    devices.append(SimulatedDevice(user: user, name: "d\(index)", client: client))
                }
            }
            try await fixture.waitForPipeline()
            for device in devices {
                try await device.client.initialize()
                await device.client.connect()
            }

            // Asserted while running: every device's audit, every 100 ms.
            let violations = Locked<[String]>([])
            let monitoring = Locked(true)
            let monitor = Task {
                var reported = [Int](repeating: 0, count: devices.count)
                while monitoring.current {
                    for (index, device) in devices.enumerated() {
                        let seen = await device.client.audit.violations
                        guard seen.count > reported[index] else { continue }
                        violations.withLock { $0 += seen[reported[index]...].map { "\(device.label): \($0)" } }
                        reported[index] = seen.count
                    }
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            // The load runs for `workload`, and on (up to the generous test deadline more) until every fault, every checked kind
            // of mutation, a lost answer, an applied push and a push gap have happened at least once: on a
            // loaded machine fewer operations fit in the time, and the run must still exercise everything it
            // claims to.
            let deadline = ContinuousClock.now + workload
            let hardStop = deadline + TestDeadline.generous
            let covered = Locked(false)
            let keepGoing: @Sendable () -> Bool = {
                let now = ContinuousClock.now
                return violations.current.isEmpty && now < hardStop && (now < deadline || !covered.current)
            }
            let monkey = ChaosMonkey(fixture: fixture, devices: devices, seed: seed ^ 0xC4A05)
            let tally = MutationTally()
            let fleet = devices
            let coverage = Task {
                while keepGoing() && !covered.current {
                    let accepted = await tally.accepted
                    let faults = await monkey.counts
                    var gaps = 0
                    var applied = 0
                    for device in fleet {
                        let audit = await device.client.audit
                        gaps += audit.pushGaps
                        applied += audit.pushesApplied
                    }
                    let limited = (await tally.refusalCodes["LIMIT_REACHED"] ?? 0) > 0
                    if Self.checkedKinds.allSatisfy({ (accepted[$0] ?? 0) > 0 }) && limited
                        && ChaosMonkey.Fault.allCases.allSatisfy({ (faults[$0] ?? 0) > 0 }) && network.counts.lost > 0
                        && gaps > 0 && applied > 0
                    {
                        covered.withLock { $0 = true }
                    }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            async let chaos: Void = monkey.run(scale: 1, keepGoing: keepGoing)
            await withTaskGroup(of: Void.self) { group in
                for (userIndex, user) in users.enumerated() {
                    let mine = devices.filter { $0.user.id == user.id }
                    let everyone = users.map(\.id)
                    group.addTask {
                        var rng = SplitMix64(seed: seed &+ UInt64(userIndex + 1) &* 0x9E37)
                        while keepGoing() {
                            try? await Task.sleep(for: .milliseconds(Int.random(in: 10...60, using: &rng)))
                            guard let device = mine.filter({ $0.online.current }).randomElement(using: &rng) else { continue }
                            let kind = MutationKind.random(using: &rng)
                            do {
                                let result = try await RandomMutation(device: device, everyone: everyone).perform(kind, rng: &rng)
                                await tally.record(kind, .success(result))
                            } catch {
                                await tally.record(kind, .failure(error))
                            }
                        }
                    }
                }
            }
            try await chaos
            coverage.cancel()
            network.stop()
            print("load done after \(ContinuousClock.now - started): \(await tally.summary)")
            print(
                "faults: \(await monkey.summary); answers lost \(network.counts.lost), requests unsent \(network.counts.unsent), pushes lost \(network.counts.droppedPushes)"
            )

            try await settle(fixture, devices, users)
            for device in devices {
                let report = try await device.client.sync()
                #expect(!report.stillLagging, "\(device.label) still lagging after settling; seed \(seed)")
                let differences = try await fixture.divergence(of: device.client)
                #expect(differences.isEmpty, "\(device.label) diverged (seed \(seed)):\n\(differences.prefix(20).joined(separator: "\n"))")
            }
            monitoring.withLock { $0 = false }
            await monitor.value
            #expect(violations.current.isEmpty, "ordering violations (seed \(seed)):\n\(violations.current.prefix(20).joined(separator: "\n"))")
            try await expectExercised(devices, monkey: monkey, tally: tally, network: network, seed: seed)
        }
        print("ClientConvergence seed \(seed) scale \(scale) passed in \(ContinuousClock.now - started)")
    }

    /// Mutation kinds every run must have seen accepted at least once.
    static let checkedKinds: [MutationKind] = [.send, .edit, .react, .profile, .theme, .setRole]

    /// Count limits low enough that the random mix runs into them: a refused operation must change nothing,
    /// which the convergence check proves (every device equals the server).
    static let lowLimits = [
        "NOVYSE_LIMIT_REACTIONS_PER_USER": "1", "NOVYSE_LIMIT_DISTINCT_REACTIONS": "2",
        "NOVYSE_LIMIT_PINNED_MESSAGES": "2", "NOVYSE_LIMIT_FOLDERS": "2",
    ]

    /// Waits until the system is quiet: the pipeline settled, every socket connected, and two rounds of
    /// marker events (a theme per user) seen by every device, so nothing older is still on its way.
    func settle(_ fixture: ClientFixture, _ devices: [SimulatedDevice], _ users: [TestUser]) async throws {
        for device in devices where !device.online.current {
            await device.client.connect()
            device.online.withLock { $0 = true }
        }
        try await fixture.waitForPipeline()
        try await TestDeadline.waitUntil("every socket connected") {
            for device in devices where !(await device.client.socketStatus.connected) { return false }
            return true
        }
        for round in 1...2 {
            let marker = "settle-\(round)"
            for user in users {
                _ = try await devices.first { $0.user.id == user.id }!.client.setTheme(marker)
            }
            try await TestDeadline.waitUntil("every device saw \(marker)") {
                for device in devices where (try? await device.client.snapshot().settings?.theme) != marker { return false }
                return true
            }
        }
        try await fixture.waitForPipeline()
    }

    /// The run must really have exercised what it claims to: pushes applied, gaps filled by updates, lost
    /// answers replayed, every fault injected.
    func expectExercised(
        _ devices: [SimulatedDevice], monkey: ChaosMonkey, tally: MutationTally, network: NetworkChaos, seed: UInt64
    ) async throws {
        var total = ClientAudit()
        for device in devices {
            let audit = await device.client.audit
            total.appliedItems += audit.appliedItems
            total.pushesApplied += audit.pushesApplied
            total.pushesDuplicate += audit.pushesDuplicate
            total.pushGaps += audit.pushGaps
            total.cycles += audit.cycles
            total.failedCycles += audit.failedCycles
            total.rolledBack += audit.rolledBack
        }
        print(
            "devices: \(total.appliedItems) items applied, pushes \(total.pushesApplied) applied / \(total.pushesDuplicate) duplicate / \(total.pushGaps) gaps, \(total.cycles) update cycles (\(total.failedCycles) failed), \(total.rolledBack) rolled back"
        )
        #expect(total.pushesApplied > 0 && total.pushGaps > 0, "seed \(seed)")
        #expect(network.counts.lost > 0, "seed \(seed)")
        for fault in ChaosMonkey.Fault.allCases {
            #expect((await monkey.counts[fault] ?? 0) > 0, "fault \(fault) never injected; seed \(seed)")
        }
        #expect((await tally.refusalCodes["LIMIT_REACHED"] ?? 0) > 0, "no operation ran into a count limit; seed \(seed)")
        let accepted = await tally.accepted
        for kind in Self.checkedKinds {
            #expect((accepted[kind] ?? 0) > 0, "no \(kind) accepted; seed \(seed)")
        }
    }
}
