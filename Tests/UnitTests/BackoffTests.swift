import NovyseCore
import TestSupport
import Testing

@Suite struct BackoffTests {
    @Test func ceilingDoublesFromInitialUpToTheCap() {
        let backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(2))
        let ceilings = (0..<10).map { backoff.ceiling(retry: $0) }
        #expect(ceilings == [50, 100, 200, 400, 800, 1600, 2000, 2000, 2000, 2000].map(Duration.milliseconds))
        #expect(backoff.ceiling(retry: .max) == .seconds(2))
    }

    @Test func withoutJitterNextReturnsTheCeilingsInOrder() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(700), jitter: .none)
        let delays = (0..<5).map { _ in backoff.next() }
        #expect(delays == [100, 200, 400, 700, 700].map(Duration.milliseconds))
        #expect(backoff.failures == 5)
    }

    @Test func resetStartsAgainFromInitial() {
        var backoff = Backoff(initial: .milliseconds(10), maximum: .seconds(1), jitter: .none)
        _ = (0..<6).map { _ in backoff.next() }
        backoff.reset()
        #expect(backoff.failures == 0)
        #expect(backoff.next() == .milliseconds(10))
        #expect(backoff.next() == .milliseconds(20))
    }

    @Test(arguments: [Backoff.Jitter.equal, .full])
    func jitterStaysWithinItsBounds(jitter: Backoff.Jitter) {
        let seed = SplitMix64.seedFromEnvironment()
        var generator = SplitMix64(seed: seed)
        let backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(30), jitter: jitter)
        var seen: Set<Duration> = []
        for retry in 0..<20 {
            let ceiling = backoff.ceiling(retry: retry)
            let floor = jitter == .equal ? ceiling / 2 : .zero
            for _ in 0..<200 {
                let delay = backoff.delay(retry: retry, using: &generator)
                #expect(delay >= floor && delay <= ceiling, "seed \(seed): retry \(retry) drew \(delay)")
                seen.insert(delay)
            }
        }
        // Jitter actually varies the pause (4 000 draws over 20 ceilings, nanosecond resolution).
        #expect(seen.count > 1000, "seed \(seed)")
    }

    @Test func theSameSeedGivesTheSamePauses() {
        func pauses(seed: UInt64) -> [Duration] {
            var generator = SplitMix64(seed: seed)
            var backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(2))
            return (0..<12).map { _ in backoff.next(using: &generator) }
        }
        #expect(pauses(seed: 42) == pauses(seed: 42))
        #expect(pauses(seed: 42) != pauses(seed: 43))
    }

    @Test func degenerateBoundsAreClamped() {
        let inverted = Backoff(initial: .seconds(3), maximum: .seconds(1), jitter: .none)
        #expect(inverted.maximum == .seconds(3) && inverted.ceiling(retry: 5) == .seconds(3))
        var zero = Backoff(initial: .zero, maximum: .seconds(1))
        #expect(zero.next() == .zero && zero.next() == .zero)
        let huge = Backoff(initial: .seconds(1), maximum: .seconds(Int64.max / 4))
        #expect(huge.ceiling(retry: 1_000) == .seconds(Int64.max / 4))
    }
}
