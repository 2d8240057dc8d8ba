import Foundation
import NovyseCore

/// Where the client finds the services, who it is, and how patient it is.
///
/// The defaults suit a phone app: answers of up to 2000 items, retries with capped exponential backoff,
/// a socket that reconnects on its own. Tests shorten the delays and switch on `strictOrdering` and the
/// fault hooks.
public struct NovyseClientConfiguration: Sendable {
    /// Base URL of the command service (mutations), e.g. `http://127.0.0.1:8081`.
    public var commandURL: String
    /// Base URL of the query service (initialize, update, history), e.g. `http://127.0.0.1:8082`.
    public var queryURL: String
    /// Base URL of a fan-out service (Socket.IO), e.g. `http://127.0.0.1:8083`. Read again on every
    /// (re)connect through `fanoutURLProvider` when that is set, so a device can follow a moved endpoint.
    public var fanoutURL: String
    /// Overrides `fanoutURL` at each connection attempt (service discovery; tests that restart a fan-out
    /// process on another port).
    public var fanoutURLProvider: (@Sendable () -> String)?
    /// The access token (JWT) sent as `Authorization: Bearer …` and in the Socket.IO CONNECT.
    public var token: String
    /// Items per update answer (`limit`); nil lets the server choose its default.
    public var updateLimit: Int?
    /// Messages per `/chat/history` page.
    public var historyPageSize: Int = 200
    /// How long one update cycle keeps following `retryAfterMs` before it returns (the mirror is consistent
    /// at every step; the next trigger continues).
    public var lagPatience: Duration = .seconds(30)
    /// Longest pause between two attempts of any retry loop.
    public var maxBackoff: Duration = .seconds(2)
    /// First pause of a retry loop (doubled each time, jittered, capped at `maxBackoff`).
    public var initialBackoff: Duration = .milliseconds(100)
    /// Attempts of a mutation (the same `Idempotency-Key` each time) before it fails.
    public var mutationAttempts: Int = 6
    /// Attempts of one update request before the cycle fails.
    public var readAttempts: Int = 6
    /// Deadline of each HTTP request.
    public var requestTimeout: Duration = .seconds(20)
    /// Throw `orderViolation` (rolling the answer back) instead of only recording it. For tests and debug
    /// builds: a violation means a server or client bug, never a network condition.
    public var strictOrdering: Bool = false
    /// Test hook: decides, per HTTP request, whether it fails before it is sent or whether its answer is lost
    /// after the server handled it.
    public var transportFault: (@Sendable (_ method: String, _ path: String) -> TransportFault)?
    /// Test hook: called at stages of applying an answer inside its transaction; throwing rolls it back, as a
    /// crash in the middle of applying would.
    public var applyFault: (@Sendable (_ stage: ApplyStage) throws -> Void)?
    /// Test hook: returns true to drop a pushed event on arrival, as a packet lost between the fan-out and
    /// the device would be (the next item's `prevID` then shows the gap).
    public var dropPush: (@Sendable (_ event: String, _ data: JSONValue) -> Bool)?

    public init(commandURL: String, queryURL: String, fanoutURL: String, token: String) {
        self.commandURL = commandURL
        self.queryURL = queryURL
        self.fanoutURL = fanoutURL
        self.token = token
    }

    /// The fan-out URL to use for the next connection attempt.
    var currentFanoutURL: String { fanoutURLProvider?() ?? fanoutURL }
}

/// What the transport test hook does to one request.
public enum TransportFault: Sendable, Equatable {
    /// Nothing: the request goes out and the answer comes back.
    case none
    /// The request never reaches the server (as with no network).
    case failBeforeSending
    /// The server handles the request, but its answer is dropped (as when the connection breaks on the way back).
    case loseAnswer
}

/// Points inside one apply transaction where the `applyFault` hook runs.
public enum ApplyStage: String, Sendable, Equatable {
    case afterNewChats, afterNewUsers, afterMessages, afterChatEvents, afterUserEvents, afterLocalEvents, beforeCommit
    /// Applying one pushed socket item.
    case pushed
}
