import Metrics
import NovyseSocketIO

/// The fan-out metrics, exported on `/metrics`:
/// - `novyse_fanout_connected_sockets`: sockets connected to this process; `novyse_fanout_sessions`: its
///   Engine.IO sessions; `novyse_fanout_unauthenticated_sessions`: those without a successful CONNECT yet
///   (what the unauthenticated caps bound).
/// - `novyse_fanout_connects_total`; `novyse_fanout_refused_total{reason}`: refused CONNECTs by code
///   (`AUTH_NO_TOKEN`, `AUTH_INVALID_TOKEN`, `AUTH_TOKEN_EXPIRED`, `TOO_MANY_SOCKETS`).
/// - `novyse_fanout_handshakes_refused_total{reason}`: handshakes refused by a cap on unauthenticated
///   sessions (`sessions`: the process's, `address`: one address's).
/// - `novyse_fanout_unauthenticated_closed_total{reason}`: sessions that ended without authenticating
///   (`connect timeout` = the deadline to authenticate passed).
/// - `novyse_fanout_disconnects_total{reason}`: `queue overflow` counts slow consumers that were dropped
///   (queue full in packets or bytes), `credentials expired` sockets whose token expired.
/// - `novyse_fanout_items_total`: pipeline entries routed; `novyse_fanout_deliveries_total`: events queued
///   to sockets; `novyse_fanout_undelivered_total`: events for sockets that were gone or full.
/// - `novyse_fanout_wakeups_requested_total`: offline devices handed to the wake-up queue.
/// - `novyse_fanout_route_seconds`: time to route one entry (lookups included).
struct FanoutMetrics: Sendable {
    let connectedSockets = Gauge(label: "novyse_fanout_connected_sockets")
    let sessions = Gauge(label: "novyse_fanout_sessions")
    let unauthenticatedSessions = Gauge(label: "novyse_fanout_unauthenticated_sessions")
    let connects = Counter(label: "novyse_fanout_connects_total")
    let items = Counter(label: "novyse_fanout_items_total")
    let deliveries = Counter(label: "novyse_fanout_deliveries_total")
    let undelivered = Counter(label: "novyse_fanout_undelivered_total")
    /// Recipients a deleted message's text was withheld from (a backlog routed after the deletion).
    let redacted = Counter(label: "novyse_fanout_redacted_total")
    let wakeups = Counter(label: "novyse_fanout_wakeups_requested_total")
    let routeSeconds = Metrics.Timer(label: "novyse_fanout_route_seconds")

    /// A refused CONNECT, by its CONNECT_ERROR code.
    func refused(_ code: String) -> Counter {
        Counter(label: "novyse_fanout_refused_total", dimensions: [("reason", code)])
    }

    func handshakesRefused(_ refusal: SocketIOHandshakeRefusal) -> Counter {
        Counter(label: "novyse_fanout_handshakes_refused_total", dimensions: [("reason", refusal.rawValue)])
    }

    func unauthenticatedClosed(_ reason: SocketIODisconnectReason) -> Counter {
        Counter(label: "novyse_fanout_unauthenticated_closed_total", dimensions: [("reason", reason.rawValue)])
    }

    func disconnects(_ reason: SocketIODisconnectReason) -> Counter {
        Counter(label: "novyse_fanout_disconnects_total", dimensions: [("reason", reason.rawValue)])
    }
}
