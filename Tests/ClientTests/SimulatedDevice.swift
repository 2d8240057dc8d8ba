import Foundation
import NovyseClient
import NovyseCore
import TestSupport

/// Seed and size knobs of the randomized tests.
enum ClientTestKnobs {
    /// `NOVYSE_TEST_SEED` replays a run; otherwise a fresh seed, printed by the test.
    static func seed() -> UInt64 { SplitMix64.seedFromEnvironment() }

    /// `NOVYSE_CLIENT_TEST_SCALE` makes the convergence run bigger (1 by default).
    static var scale: Int {
        max(1, ProcessInfo.processInfo.environment["NOVYSE_CLIENT_TEST_SCALE"].flatMap { Int($0) } ?? 1)
    }
}

/// Network conditions every device's hooks consult: while `active`, some requests never leave, some
/// answers are lost after the server handled them, and some pushed events never arrive.
final class NetworkChaos: Sendable {
    private let state: Locked<(active: Bool, rng: SplitMix64, lost: Int, unsent: Int, droppedPushes: Int)>
    let loseRate: Double
    let unsentRate: Double
    let pushDropRate: Double

    init(seed: UInt64, loseRate: Double = 0.08, unsentRate: Double = 0.03, pushDropRate: Double = 0.02) {
        state = Locked((true, SplitMix64(seed: seed), 0, 0, 0))
        self.loseRate = loseRate
        self.unsentRate = unsentRate
        self.pushDropRate = pushDropRate
    }

    /// Whether a pushed event is lost between the fan-out and the device.
    func dropPush() -> Bool {
        state.withLock { state in
            guard state.active, Double.random(in: 0..<1, using: &state.rng) < pushDropRate else { return false }
            state.droppedPushes += 1
            return true
        }
    }

    func fault(_ method: String, _ path: String) -> TransportFault {
        state.withLock { state in
            guard state.active else { return .none }
            let roll = Double.random(in: 0..<1, using: &state.rng)
            if roll < loseRate {
                state.lost += 1
                return .loseAnswer
            }
            if roll < loseRate + unsentRate {
                state.unsent += 1
                return .failBeforeSending
            }
            return .none
        }
    }

    func stop() { state.withLock { $0.active = false } }
    var counts: (lost: Int, unsent: Int, droppedPushes: Int) { state.withLock { ($0.lost, $0.unsent, $0.droppedPushes) } }
}

/// One simulated device: a user's client with its own in-memory mirror, online (socket open) or offline.
final class SimulatedDevice: Sendable {
    let user: TestUser
    let name: String
    let client: NovyseClient
    /// False while the device is "offline for a long stretch": no socket, no requests.
    let online = Locked(true)

    init(user: TestUser, name: String, client: NovyseClient) {
        self.user = user
        self.name = name
        self.client = client
    }

    var label: String { "\(user.handle)/\(name)" }
}
