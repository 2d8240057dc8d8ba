import Foundation
import Logging
import NovyseCore
import PostgresNIO

/// Private settings, as local events only the owner's devices receive. Their current state is derived from
/// the owner's own local events, read under the stream's lock, so no second copy can drift from the log.
extension CommandStore {
    public func pinChat(
        _ chat: UUID, position: Int, user: UUID, device: String?, on connection: PostgresConnection
    ) async throws -> EventWritten {
        let head = try await lockLocal(user, on: connection)
        try await requireMembership(chat: chat, user: user, on: connection)
        let chatText = JSONValue.string(chat.uuidString.lowercased())
        return try await appendLocal(
            .chatPinned, user: user, head: head, device: device,
            payload: ["chatUUID": chatText, "position": .integer(Int64(position)), "current": .integer(Int64(position))],
            on: connection
        )
    }

    public func unpinChat(_ chat: UUID, user: UUID, device: String?, on connection: PostgresConnection) async throws -> EventWritten {
        let head = try await lockLocal(user, on: connection)
        try await requireChat(chat, on: connection)
        let latest = try await latestLocalType(
            user: user, among: [.chatPinned, .chatUnpinned], key: "chatUUID", value: chat.uuidString.lowercased(), on: connection)
        guard latest == .chatPinned else {
            throw CommandError(.notPinned, message: "the chat is not pinned")
        }
        return try await appendLocal(
            .chatUnpinned, user: user, head: head, device: device,
            payload: ["chatUUID": .string(chat.uuidString.lowercased()), "current": .null], on: connection
        )
    }

    public func muteChat(
        _ chat: UUID, until: Date?, user: UUID, device: String?, on connection: PostgresConnection
    ) async throws -> EventWritten {
        let head = try await lockLocal(user, on: connection)
        try await requireMembership(chat: chat, user: user, on: connection)
        var payload: [String: JSONValue] = ["chatUUID": .string(chat.uuidString.lowercased()), "current": .bool(true)]
        if let until {
            payload["until"] = .string(Timestamp.format(until))
            payload["current"] = .string(Timestamp.format(until))
        }
        return try await appendLocal(.chatMuted, user: user, head: head, device: device, payload: payload, on: connection)
    }

    public func unmuteChat(_ chat: UUID, user: UUID, device: String?, on connection: PostgresConnection) async throws -> EventWritten {
        let head = try await lockLocal(user, on: connection)
        try await requireChat(chat, on: connection)
        let latest = try await latestLocalType(
            user: user, among: [.chatMuted, .chatUnmuted], key: "chatUUID", value: chat.uuidString.lowercased(), on: connection)
        guard latest == .chatMuted else {
            throw CommandError(.notMuted, message: "the chat is not muted")
        }
        return try await appendLocal(
            .chatUnmuted, user: user, head: head, device: device,
            payload: ["chatUUID": .string(chat.uuidString.lowercased()), "current": .bool(false)], on: connection
        )
    }

    public func setTheme(_ theme: String, user: UUID, device: String?, on connection: PostgresConnection) async throws -> EventWritten {
        let head = try await lockLocal(user, on: connection)
        return try await appendLocal(
            .themeChanged, user: user, head: head, device: device,
            payload: ["theme": .string(theme), "current": .string(theme)], on: connection
        )
    }

    /// `FOLDER_UPDATED`: creates or replaces a folder; every chat in it must be one of the user's chats.
    public func putFolder(
        id folderID: String, name: String, chats: [UUID], user: UUID, device: String?, on connection: PostgresConnection
    ) async throws -> EventWritten {
        let head = try await lockLocal(user, on: connection)
        var seen: Set<UUID> = []
        let unique = chats.filter { seen.insert($0).inserted }
        // Share-locked, so a concurrent MEMBER_LEFT waits for this folder to commit (or this sees it).
        let member = try await connection.query(
            """
            SELECT chat_uuid FROM novyse.memberships
            WHERE user_uuid = \(user) AND left_at IS NULL AND chat_uuid = ANY(\(unique))
            FOR SHARE
            """,
            logger: logger
        )
        var memberOf = 0
        for try await _ in member.decode(UUID.self) { memberOf += 1 }
        if memberOf != unique.count {
            let known = try await connection.query(
                "SELECT count(*)::int FROM novyse.chats WHERE uuid = ANY(\(unique))", logger: logger
            )
            for try await existing in known.decode(Int.self) where existing != unique.count {
                throw CommandError.unknownChat
            }
            throw CommandError.notAMember
        }
        if try await latestLocalType(user: user, among: [.folderUpdated, .folderDeleted], key: "folderID", value: folderID, on: connection)
            != .folderUpdated
        {
            // A new folder: count the user's folders (each folder's latest event is an update), under the
            // user's local-stream lock.
            let folders = try await count(
                """
                SELECT count(*)::int FROM (
                    SELECT DISTINCT ON (payload ->> 'folderID') type FROM novyse.local_events
                    WHERE user_uuid = \(user) AND type = ANY(\([LocalEventType.folderUpdated.rawValue, LocalEventType.folderDeleted.rawValue]))
                    ORDER BY payload ->> 'folderID', id DESC
                ) latest WHERE type = \(LocalEventType.folderUpdated.rawValue)
                """,
                on: connection
            )
            guard folders < limits.folders else { throw CommandError.limitReached("folders", limits.folders) }
        }
        let folder: JSONValue = .object([
            "folderID": .string(folderID), "name": .string(name),
            "chatUUIDs": .array(unique.map { .string($0.uuidString.lowercased()) }),
        ])
        guard case .object(var payload) = folder else { throw StorageError.unexpected("folder payload") }
        payload["current"] = folder
        return try await appendLocal(.folderUpdated, user: user, head: head, device: device, payload: payload, on: connection)
    }

    public func deleteFolder(id folderID: String, user: UUID, device: String?, on connection: PostgresConnection) async throws -> EventWritten {
        let head = try await lockLocal(user, on: connection)
        let latest = try await latestLocalType(user: user, among: [.folderUpdated, .folderDeleted], key: "folderID", value: folderID, on: connection)
        guard latest == .folderUpdated else { throw CommandError.unknownFolder }
        return try await appendLocal(
            .folderDeleted, user: user, head: head, device: device,
            payload: ["folderID": .string(folderID), "current": .null], on: connection
        )
    }

    private func lockLocal(_ user: UUID, on connection: PostgresConnection) async throws -> Int64 {
        try await lockStream(StreamID(kind: .localEvents, key: user), missing: .unknownUser, on: connection)
    }

    /// Unpinning or unmuting needs no membership (a former member may clean up), only a real chat.
    private func requireChat(_ chat: UUID, on connection: PostgresConnection) async throws {
        let rows = try await connection.query("SELECT 1 FROM novyse.chats WHERE uuid = \(chat)", logger: logger)
        for try await _ in rows { return }
        throw CommandError.unknownChat
    }

    private func requireMembership(chat: UUID, user: UUID, on connection: PostgresConnection) async throws {
        guard try await activeRole(chat: chat, user: user, lock: true, on: connection) != nil else {
            _ = try await access(chat: chat, user: user, on: connection)  // UNKNOWN_CHAT or NOT_A_MEMBER
            throw CommandError.notAMember
        }
    }

    /// The type of the user's latest local event among `types` whose payload has `key` = `value`.
    private func latestLocalType(
        user: UUID, among types: [LocalEventType], key: String, value: String, on connection: PostgresConnection
    ) async throws -> LocalEventType? {
        let rows = try await connection.query(
            """
            SELECT type FROM novyse.local_events
            WHERE user_uuid = \(user) AND type = ANY(\(types.map(\.rawValue))) AND payload ->> \(key) = \(value)
            ORDER BY id DESC LIMIT 1
            """,
            logger: logger
        )
        for try await type in rows.decode(String.self) { return LocalEventType(rawValue: type) }
        return nil
    }

    private func appendLocal(
        _ type: LocalEventType, user: UUID, head: Int64, device: String?, payload: [String: JSONValue],
        on connection: PostgresConnection
    ) async throws -> EventWritten {
        let item = try await EventLog.appendLocalEvent(
            user: user, prevID: head, type: type, deviceID: device, payload: .object(payload),
            on: connection, logger: logger
        )
        return EventWritten(eventID: item.id, prevID: item.prevID)
    }
}
