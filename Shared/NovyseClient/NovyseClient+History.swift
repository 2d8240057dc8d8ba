import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import NIOHTTP1
import NovyseCore

/// Older messages, the mirror as a snapshot, and the server's state for comparison.
extension NovyseClient {
    /// Loads older messages of `chat` through `GET /chat/history`, before the oldest one held, one page
    /// (or every page with `all`). Returns how many messages were added. Messages already held are not
    /// overwritten: their state comes from the event stream.
    ///
    /// Known limit: a history page is read from the server's projection, which may lag behind chat events
    /// this device already applied from a push; an event about a message that was not held then is not
    /// replayed onto it. Load history while the device is in sync (as the convergence test does) or accept
    /// that an old message can show a stale state until its next event.
    @discardableResult
    public func loadHistory(of chat: UUID, all: Bool = false) async throws -> Int {
        try await serialized {
            var added = 0
            while true {
                let oldest = try await database.read { db in
                    try Int64.fetchOne(db, sql: "SELECT min(id) FROM messages WHERE chat_uuid = ?", arguments: [chat.key])
                }
                let path =
                    "/chat/history?chatUUID=\(chat.key)&limit=\(configuration.historyPageSize)"
                    + (oldest.map { "&beforeMessageID=\($0)" } ?? "")
                let answer = try await withRetries(attempts: configuration.readAttempts) {
                    try await self.api.send(.GET, base: self.configuration.queryURL, path: path)
                }
                let messages = answer.data["messages"]?.objectsValue ?? []
                let me = userID.key
                added += try await database.write { db in
                    let writer = MirrorWriter(db: db, me: me, strict: false, fault: nil)
                    var count = 0
                    for message in messages {
                        guard let id = message["id"]?.int64Value,
                            try Bool.fetchOne(db, sql: "SELECT 1 FROM messages WHERE id = ?", arguments: [id]) == nil,
                            try Bool.fetchOne(db, sql: "SELECT 1 FROM chats WHERE uuid = ?", arguments: [chat.key]) != nil
                        else { continue }
                        _ = try writer.upsertMessage(message, chat: chat.key)
                        count += 1
                    }
                    return count
                }
                guard all, answer.data["hasMore"]?.boolValue == true, !messages.isEmpty else { return added }
            }
        }
    }

    /// The mirror as a normalized, comparable value.
    public func snapshot() async throws -> MirrorSnapshot {
        try await database.read { db in try MirrorSnapshot.read(db) }
    }

    /// The server's state for the user of `configuration.token`, as a brand-new device builds it: a fresh
    /// initialize into an in-memory mirror, then every chat's full history.
    public static func canonical(
        configuration: NovyseClientConfiguration, httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "novyse.client")
    ) async throws -> CanonicalMirror {
        var configuration = configuration
        configuration.transportFault = nil
        configuration.applyFault = nil
        let fresh = try NovyseClient(database: try DatabaseQueue(), configuration: configuration, httpClient: httpClient, logger: logger)
        try await fresh.initialize()
        var windows: [String: Int64] = [:]
        for message in try await fresh.snapshot().messages {
            windows[message.chatUUID] = min(windows[message.chatUUID] ?? .max, message.id)
        }
        for chat in try await fresh.snapshot().chats {
            guard let uuid = UUID(uuidString: chat.uuid) else { continue }
            try await fresh.loadHistory(of: uuid, all: true)
        }
        return CanonicalMirror(snapshot: try await fresh.snapshot(), latestWindowStart: windows)
    }
}

extension NovyseClient {
    /// A client whose mirror lives in memory (tools, demos, tests); an app passes its own database file.
    public static func inMemory(
        configuration: NovyseClientConfiguration, httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "novyse.client")
    ) throws -> NovyseClient {
        try NovyseClient(database: try DatabaseQueue(), configuration: configuration, httpClient: httpClient, logger: logger)
    }
}
