import Metrics
import NovyseSocketIO

/// The fan-out metrics, exported on `/metrics`:
/// - `novyse_fanout_connected_sockets`: sockets connected to this process.
/// - `novyse_fanout_connects_total`, `novyse_fanout_refused_total`: accepted and refused CONNECTs.
/// - `novyse_fanout_disconnects_total{reason}`: `queue overflow` counts slow consumers that were dropped.
/// - `novyse_fanout_items_total`: pipeline entries routed; `novyse_fanout_deliveries_total`: events queued
///   to sockets; `novyse_fanout_undelivered_total`: events for sockets that were gone or full.
/// - `novyse_fanout_wakeups_requested_total`: offline devices handed to the wake-up queue.
/// - `novyse_fanout_route_seconds`: time to route one entry (lookups included).
struct FanoutMetrics: Sendable {
    let connectedSockets = Gauge(label: "novyse_fanout_connected_sockets")
    let connects = Counter(label: "novyse_fanout_connects_total")
    let refused = Counter(label: "novyse_fanout_refused_total")
    let items = Counter(label: "novyse_fanout_items_total")
    let deliveries = Counter(label: "novyse_fanout_deliveries_total")
    let undelivered = Counter(label: "novyse_fanout_undelivered_total")
    /// Recipients a deleted message's text was withheld from (a backlog routed after the deletion).
    let redacted = Counter(label: "novyse_fanout_redacted_total")
    let wakeups = Counter(label: "novyse_fanout_wakeups_requested_total")
    let routeSeconds = Metrics.Timer(label: "novyse_fanout_route_seconds")

    func disconnects(_ reason: SocketIODisconnectReason) -> Counter {
        Counter(label: "novyse_fanout_disconnects_total", dimensions: [("reason", reason.rawValue)])
    }
}
