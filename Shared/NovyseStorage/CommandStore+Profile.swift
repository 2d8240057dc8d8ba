import Foundation
import Logging
import NovyseCore
import PostgresNIO

extension CommandStore {
    /// One profile event per field that actually changes (a value equal to the current one writes nothing).
    /// The handle's uniqueness is kept in the write model, in the same transaction.
    public func updateProfile(
        of user: UUID, _ update: ProfileUpdate, on connection: PostgresConnection
    ) async throws -> ProfileEventsWritten {
        var head = try await lockStream(StreamID(kind: .profileEvents, key: user), missing: .unknownUser, on: connection)
        let current = try await currentProfile(of: user, on: connection)
        var written: [Int64] = []
        for (type, value) in update.changes where current[type.field] != value {
            if type == .handleChanged, case .string(let handle) = value {
                try await claimHandle(handle, for: user, on: connection)
            }
            let item = try await EventLog.appendProfileEvent(
                user: user, prevID: head, type: type, payload: .object([type.field: value, "current": value]),
                on: connection, logger: logger
            )
            written.append(item.id)
            head = item.id
        }
        return ProfileEventsWritten(eventIDs: written)
    }

    /// The current value of each profile field: the creation record, overridden by the latest event of
    /// each type.
    private func currentProfile(of user: UUID, on connection: PostgresConnection) async throws -> [String: JSONValue] {
        let rows = try await connection.query(
            """
            SELECT u.initial_profile::text, COALESCE((
                SELECT jsonb_object_agg(latest.type, latest.value)::text FROM (
                    SELECT DISTINCT ON (type) type, payload -> 'current' AS value
                    FROM novyse.profile_events WHERE user_uuid = u.uuid ORDER BY type, id DESC
                ) latest), '{}')
            FROM novyse.users u WHERE u.uuid = \(user)
            """,
            logger: logger
        )
        for try await (initialText, latestText) in rows.decode((String, String).self) {
            var profile = try JSONDecoder().decode([String: JSONValue].self, from: Data(initialText.utf8))
            let latest = try JSONDecoder().decode([String: JSONValue].self, from: Data(latestText.utf8))
            for type in ProfileEventType.allCases {
                if let value = latest[type.rawValue] { profile[type.field] = value }
            }
            for type in ProfileEventType.allCases where profile[type.field] == nil { profile[type.field] = .null }
            return profile
        }
        throw CommandError.unknownUser
    }

    private func claimHandle(_ handle: String, for user: UUID, on connection: PostgresConnection) async throws {
        let taken = try await connection.query(
            "SELECT 1 FROM novyse.users WHERE lower(handle) = lower(\(handle)) AND uuid <> \(user)", logger: logger
        )
        for try await _ in taken {
            throw CommandError(.handleTaken, message: "the handle is already taken")
        }
        try await connection.query("UPDATE novyse.users SET handle = \(handle) WHERE uuid = \(user)", logger: logger)
    }
}
