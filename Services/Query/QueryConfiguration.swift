import NovyseService

/// The query service's own settings, read from the environment (documented in docs/configuration.md).
struct QueryConfiguration: Sendable {
    /// Items per update or initialize answer when the client names no `limit`.
    var defaultLimit = 2000
    /// The largest `limit` honoured; a larger one is lowered to it (I8: no answer is unbounded).
    var maxLimit = 10_000
    /// How many of its latest messages a chat carries in initialize and `chats.new`.
    var latestMessages = 50
    /// Messages per history page when the client names no `limit`, and the most it may ask for.
    var historyDefaultLimit = 50
    var historyMaxLimit = 500
    /// Most members a chat object lists in initialize and `chats.new` (the rest via `GET /chat/members`).
    var chatMembers = 100
    /// Members per `GET /chat/members` page when the client names no `limit`, and the most it may ask for.
    var membersDefaultLimit = 100
    var membersMaxLimit = 1000
    /// Largest `POST /user/update` body: it carries one cursor per chat and per user the device holds.
    var maxUpdateBytes = 4 * 1024 * 1024
    /// Most chats, and most users, one update may name.
    var maxCursors = 50_000
    /// The `retryAfterMs` hint when the projection is behind on something the caller may see.
    var retryAfterMs = 250

    init() {}

    init(environment: EnvironmentReader) throws {
        maxLimit = try environment.int("NOVYSE_QUERY_MAX_LIMIT", default: maxLimit, range: 1...1_000_000)
        defaultLimit = try environment.int("NOVYSE_QUERY_DEFAULT_LIMIT", default: min(defaultLimit, maxLimit), range: 1...maxLimit)
        latestMessages = try environment.int("NOVYSE_QUERY_LATEST_MESSAGES", default: latestMessages, range: 0...1000)
        historyMaxLimit = try environment.int("NOVYSE_QUERY_HISTORY_MAX_LIMIT", default: historyMaxLimit, range: 1...10_000)
        historyDefaultLimit = min(historyDefaultLimit, historyMaxLimit)
        chatMembers = try environment.int("NOVYSE_QUERY_CHAT_MEMBERS", default: chatMembers, range: 1...10_000)
        membersMaxLimit = try environment.int("NOVYSE_QUERY_MEMBERS_MAX_LIMIT", default: membersMaxLimit, range: 1...100_000)
        membersDefaultLimit = min(membersDefaultLimit, membersMaxLimit)
        maxUpdateBytes = try environment.int("NOVYSE_QUERY_MAX_UPDATE_BYTES", default: maxUpdateBytes, range: 1024...268_435_456)
        maxCursors = try environment.int("NOVYSE_QUERY_MAX_CURSORS", default: maxCursors, range: 1...1_000_000)
        retryAfterMs = try environment.int("NOVYSE_QUERY_RETRY_AFTER_MS", default: retryAfterMs, range: 1...60_000)
    }
}
