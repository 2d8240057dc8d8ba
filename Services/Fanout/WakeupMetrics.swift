import Metrics

/// The wake-up counters, exported with every other metric on `/metrics`:
/// - `novyse_wakeups_total{outcome}`: `queued` (a wake-up entered the stream), `coalesced` (an event
///   folded into a wake-up already queued for the window), `trailing` (a folded burst released at the end
///   of its window), `sent`, `invalid_token` (FCM said the token is dead; it was removed), `no_token`
///   (the device had no token by send time), `failed` (dropped after an error or the last retry),
///   `expired` (older than `NOVYSE_WAKEUP_MAX_AGE_MS` when read), `malformed`.
/// - `novyse_wakeup_retries_total`: FCM requests beyond the first of each wake-up.
/// - `novyse_wakeup_send_seconds`: time from reading a wake-up to FCM's final answer, retries included.
struct WakeupMetrics: Sendable {
    enum Outcome: String, CaseIterable, Sendable {
        case queued, coalesced, trailing, sent
        case invalidToken = "invalid_token"
        case noToken = "no_token"
        case failed, expired, malformed
    }

    private let counters: [Outcome: Counter] = Dictionary(
        uniqueKeysWithValues: Outcome.allCases.map {
            ($0, Counter(label: "novyse_wakeups_total", dimensions: [("outcome", $0.rawValue)]))
        }
    )
    let retries = Counter(label: "novyse_wakeup_retries_total")
    let sendSeconds = Metrics.Timer(label: "novyse_wakeup_send_seconds")

    func count(_ outcome: Outcome, by amount: Int = 1) {
        guard amount > 0 else { return }
        counters[outcome]?.increment(by: amount)
    }
}
