import Foundation
import NovyseClient
import TestSupport

/// The faults of the convergence test, injected at random moments while the devices work: socket drops,
/// devices offline for long stretches (some woken by a background "push" meanwhile), the projector
/// SIGKILLed and restarted, Redis flushed, a fan-out process SIGKILLed and restarted. Every kind happens at
/// least once per run.
actor ChaosMonkey {
    enum Fault: String, CaseIterable, Sendable {
        case dropSocket, offlineStretch, killProjector, flushRedis, killFanout
    }

    let fixture: ClientFixture
    let devices: [SimulatedDevice]
    private var rng: SplitMix64
    private(set) var counts: [Fault: Int] = [:]
    private(set) var wakeups = 0
    private var stretches: [Task<Void, Never>] = []

    init(fixture: ClientFixture, devices: [SimulatedDevice], seed: UInt64) {
        self.fixture = fixture
        self.devices = devices
        self.rng = SplitMix64(seed: seed)
    }

    /// Injects faults until `keepGoing()` turns false; each kind at least once (first, in random order).
    func run(scale: Int, keepGoing: @Sendable () -> Bool) async throws {
        var mandatory = Fault.allCases.shuffled(using: &rng)
        while keepGoing() || !mandatory.isEmpty {
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...450, using: &rng) / scale + 50))
            let fault = mandatory.popLast() ?? pick()
            try await inject(fault)
            counts[fault, default: 0] += 1
        }
        for stretch in stretches { await stretch.value }
    }

    private func pick() -> Fault {
        let roll = Int.random(in: 0..<100, using: &rng)
        switch roll {
        case 0..<40: return .dropSocket
        case 40..<70: return .offlineStretch
        case 70..<80: return .killProjector
        case 80..<90: return .flushRedis
        default: return .killFanout
        }
    }

    private func inject(_ fault: Fault) async throws {
        switch fault {
        case .dropSocket:
            let device = devices.randomElement(using: &rng)!
            if device.online.current { await device.client.dropConnection() }
        case .offlineStretch:
            let candidates = devices.filter { $0.online.current }
            guard let device = candidates.randomElement(using: &rng) else { return }
            let length = Duration.milliseconds(Int.random(in: 1500...4000, using: &rng))
            let wake = Bool.random(using: &rng)
            device.online.withLock { $0 = false }
            await device.client.disconnect()
            stretches.append(
                Task {
                    try? await Task.sleep(for: length / 2)
                    // A background wake-up (FCM) while offline from the socket: one update cycle.
                    if wake, (try? await device.client.handleWakeup()) != nil { await self.countWakeup() }
                    try? await Task.sleep(for: length / 2)
                    await device.client.connect()
                    device.online.withLock { $0 = true }
                })
        case .killProjector:
            await fixture.killProjector()
            try await Task.sleep(for: .milliseconds(Int.random(in: 200...800, using: &rng)))
            try await fixture.startProjector()
        case .flushRedis:
            try await fixture.flushRedis()
        case .killFanout:
            let index = Int.random(in: 0..<fixture.fanouts.current.count, using: &rng)
            try await fixture.killAndRestartFanout(index, downFor: .milliseconds(Int.random(in: 200...800, using: &rng)))
        }
    }

    private func countWakeup() { wakeups += 1 }

    var summary: String {
        Fault.allCases.map { "\($0.rawValue)=\(counts[$0] ?? 0)" }.joined(separator: " ") + " wakeups=\(wakeups)"
    }
}
