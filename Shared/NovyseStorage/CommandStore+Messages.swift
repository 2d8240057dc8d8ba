import Foundation
import Logging
import NovyseCore
import PostgresNIO

extension CommandStore {
    /// Sends a message in one statement: the chat's event stream share-locked, the sender's membership
    /// (share-locked, so a concurrent removal waits), the stream lock, the insert with `prev_id = head`, the
    /// head move and the outbox row.
    ///
    /// The event stream's row is held `FOR KEY SHARE`, which only membership changes (`FOR UPDATE`, see
    /// `EventLog.LockMode`) conflict with: sends go on beside edits and reactions, but every membership change
    /// commits wholly before or wholly after the message, and `event_position` records the event stream's head
    /// as of the message. The fan-out pushes the message to the membership as of that event, in whatever
    /// order it reads the pipeline's partitions. It is locked before the membership row (the sub-select is
    /// evaluated before the membership row is locked), in the order a membership change takes them, so the
    /// two cannot deadlock; after a wait for a removal, the membership row is re-checked at its newest version.
    ///
    /// A retry with the same `clientMessageID` inserts nothing (`ON CONFLICT`) and gets the original
    /// message's ID back; reusing the ID for different content is refused.
    public func sendMessage(
        chat: UUID, sender: UUID, content: String, clientMessageID: UUID, on connection: PostgresConnection
    ) async throws -> MessageSent {
        let rows = try await connection.execute(
            SendStatement(chat: chat, sender: sender, content: content, clientMessageID: clientMessageID), logger: logger)
        for try await (id, prevID) in rows {
            return MessageSent(messageID: id, prevID: prevID)
        }
        return try await diagnoseUnsent(chat: chat, sender: sender, content: content, clientMessageID: clientMessageID, on: connection)
    }

    /// Why a send wrote nothing: a retry (answer with the original), or a refusal.
    private func diagnoseUnsent(
        chat: UUID, sender: UUID, content: String, clientMessageID: UUID, on connection: PostgresConnection
    ) async throws -> MessageSent {
        let existing = try await connection.query(
            """
            SELECT id, prev_id, chat_uuid, content FROM novyse.messages
            WHERE sender_uuid = \(sender) AND client_message_id = \(clientMessageID)
            """,
            logger: logger
        )
        for try await (id, prevID, existingChat, existingContent) in existing.decode((Int64, Int64, UUID, String).self) {
            guard existingChat == chat, existingContent == content else {
                throw CommandError(
                    .clientMessageIDReused,
                    message: "this clientMessageID was already used for a different message"
                )
            }
            return MessageSent(messageID: id, prevID: prevID)
        }
        let access = try await access(chat: chat, user: sender, on: connection)
        if access.type == .channel && !access.isAdmin { throw CommandError.adminOnly }
        // Only reachable when the sender was re-added between the send and this diagnosis: at the moment of
        // the send they were not a member.
        throw CommandError.notAMember
    }

    /// `MESSAGE_EDITED`: only the author, only while not deleted.
    ///
    /// The chat's event stream is locked first, in a statement of its own, so the next statement's snapshot
    /// sees every writer that held it before (a deletion, a removal). Then one statement checks and appends
    /// (`EditStatement`: the author's active membership, the message's state, the event, head and outbox);
    /// when it writes nothing, the step-by-step checks run in the same transaction and say why (or, should
    /// the state have moved in between, allow it and append as before).
    public func editMessage(
        _ messageID: Int64, in chat: UUID, content: String, by actor: UUID, on connection: PostgresConnection
    ) async throws -> EventWritten {
        let head = try await lockStream(StreamID(kind: .chatEvents, key: chat), missing: .unknownChat, on: connection)
        let payload: JSONValue = ["content": .string(content), "current": .string(content), "messageID": .integer(messageID)]
        let rows = try await connection.execute(
            EditStatement(chat: chat, actor: actor, messageID: messageID, head: head, payload: payload.jsonText), logger: logger)
        for try await (id, prevID) in rows { return EventWritten(eventID: id, prevID: prevID) }
        _ = try await access(chat: chat, user: actor, on: connection)
        let message = try await message(messageID, in: chat, on: connection)
        guard message.sender == actor else { throw CommandError.authorOnly }
        guard !message.deleted else { throw CommandError.messageDeleted }
        // Allowed now (the state moved between the two reads): the checks' own answer stands.
        return try await appendMessageEvent(
            .messageEdited, chat: chat, head: head, messageID: messageID, actor: actor,
            payload: ["content": .string(content), "current": .string(content)], on: connection
        )
    }

    /// `MESSAGE_DELETED`: the author, or an admin of a group or channel. A deleted message is also unpinned.
    public func deleteMessage(
        _ messageID: Int64, in chat: UUID, by actor: UUID, on connection: PostgresConnection
    ) async throws -> EventWritten {
        let head = try await lockStream(StreamID(kind: .chatEvents, key: chat), missing: .unknownChat, on: connection)
        let access = try await access(chat: chat, user: actor, on: connection)
        let message = try await message(messageID, in: chat, on: connection)
        guard message.sender == actor || (access.type != .dm && access.isAdmin) else {
            throw CommandError(.authorOrAdminOnly, message: "only the author or an admin may delete")
        }
        guard !message.deleted else { throw CommandError.messageDeleted }
        try await setState(messageID, in: chat, deleted: true, pinned: false, on: connection)
        return try await appendMessageEvent(
            .messageDeleted, chat: chat, head: head, messageID: messageID, actor: actor,
            payload: ["current": .bool(true)], on: connection
        )
    }

    /// `REACTION_ADDED` / `REACTION_REMOVED`: any member, on a message that is not deleted.
    ///
    /// As an edit: the stream lock, then one statement that checks (membership, message state, the count
    /// limits), writes the reaction and appends (`ReactionStatement`); the step-by-step path below runs only
    /// when it wrote nothing, and says why.
    public func setReaction(
        _ reaction: String, on messageID: Int64, in chat: UUID, by actor: UUID, present: Bool,
        on connection: PostgresConnection
    ) async throws -> EventWritten {
        let head = try await lockStream(StreamID(kind: .chatEvents, key: chat), missing: .unknownChat, on: connection)
        let payload: JSONValue = ["reaction": .string(reaction), "current": .string(reaction), "messageID": .integer(messageID)]
        let fast = ReactionStatement(
            chat: chat, actor: actor, messageID: messageID, reaction: reaction, head: head, payload: payload.jsonText,
            present: present, limits: limits)
        let rows = try await connection.execute(fast, logger: logger)
        for try await (id, prevID) in rows { return EventWritten(eventID: id, prevID: prevID) }
        _ = try await access(chat: chat, user: actor, on: connection)
        let message = try await message(messageID, in: chat, on: connection)
        guard !message.deleted else { throw CommandError.messageDeleted }
        let changed: PostgresRowSequence
        if present {
            try await checkReactionLimits(reaction, on: messageID, by: actor, on: connection)
            changed = try await connection.query(
                """
                INSERT INTO novyse.message_reactions (message_id, user_uuid, reaction)
                VALUES (\(messageID), \(actor), \(reaction)) ON CONFLICT DO NOTHING RETURNING 1
                """,
                logger: logger
            )
        } else {
            changed = try await connection.query(
                """
                DELETE FROM novyse.message_reactions
                WHERE message_id = \(messageID) AND user_uuid = \(actor) AND reaction = \(reaction) RETURNING 1
                """,
                logger: logger
            )
        }
        var didChange = false
        for try await _ in changed { didChange = true }
        guard didChange else {
            throw present
                ? CommandError(.reactionExists, message: "you already reacted with this")
                : CommandError(.reactionNotFound, message: "you have not reacted with this")
        }
        return try await appendMessageEvent(
            present ? .reactionAdded : .reactionRemoved, chat: chat, head: head, messageID: messageID, actor: actor,
            payload: ["reaction": .string(reaction), "current": .string(reaction)], on: connection
        )
    }

    /// `MESSAGE_PINNED` / `MESSAGE_UNPINNED`: admins in groups and channels, either member in a DM.
    public func setPinned(
        _ pinned: Bool, messageID: Int64, in chat: UUID, by actor: UUID, on connection: PostgresConnection
    ) async throws -> EventWritten {
        let head = try await lockStream(StreamID(kind: .chatEvents, key: chat), missing: .unknownChat, on: connection)
        let access = try await access(chat: chat, user: actor, on: connection)
        guard access.mayModerate else { throw CommandError.adminOnly }
        let message = try await message(messageID, in: chat, on: connection)
        guard !message.deleted else { throw CommandError.messageDeleted }
        guard message.pinned != pinned else {
            throw pinned
                ? CommandError(.alreadyPinned, message: "the message is already pinned")
                : CommandError(.notPinned, message: "the message is not pinned")
        }
        if pinned {
            let pinnedNow = try await count(
                """
                SELECT count(*)::int FROM novyse.message_state WHERE chat_uuid = \(chat) AND pinned
                """,
                on: connection
            )
            guard pinnedNow < limits.pinnedMessages else {
                throw CommandError.limitReached("pinnedMessages", limits.pinnedMessages)
            }
        }
        try await setState(messageID, in: chat, deleted: false, pinned: pinned, on: connection)
        return try await appendMessageEvent(
            pinned ? .messagePinned : .messageUnpinned, chat: chat, head: head, messageID: messageID, actor: actor,
            payload: ["current": .bool(pinned)], on: connection
        )
    }

    /// A new reaction must leave the user within `reactionsPerUser` on this message, and the message within
    /// `distinctReactions` (a reaction someone already gave adds no distinct one). Runs under the chat's lock.
    private func checkReactionLimits(
        _ reaction: String, on messageID: Int64, by actor: UUID, on connection: PostgresConnection
    ) async throws {
        let rows = try await connection.query(
            """
            SELECT count(*) FILTER (WHERE user_uuid = \(actor))::int,
                   count(DISTINCT reaction)::int,
                   bool_or(reaction = \(reaction)),
                   bool_or(reaction = \(reaction) AND user_uuid = \(actor))
            FROM novyse.message_reactions WHERE message_id = \(messageID)
            """,
            logger: logger
        )
        for try await (mine, distinct, known, already) in rows.decode((Int, Int, Bool?, Bool?).self) {
            guard already != true else { return }  // the insert finds it: 409 REACTION_EXISTS, as without limits
            guard mine < limits.reactionsPerUser else { throw CommandError.limitReached("reactionsPerUser", limits.reactionsPerUser) }
            guard known == true || distinct < limits.distinctReactions else {
                throw CommandError.limitReached("distinctReactions", limits.distinctReactions)
            }
        }
    }

    private func setState(_ messageID: Int64, in chat: UUID, deleted: Bool, pinned: Bool, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO novyse.message_state (message_id, chat_uuid, deleted, pinned)
            VALUES (\(messageID), \(chat), \(deleted), \(pinned))
            ON CONFLICT (message_id) DO UPDATE SET deleted = EXCLUDED.deleted, pinned = EXCLUDED.pinned
            """,
            logger: logger
        )
    }

    /// Message events carry `messageID` in their payload and in their own column (for the query side's
    /// "latest edit per message" rule).
    private func appendMessageEvent(
        _ type: ChatEventType, chat: UUID, head: Int64, messageID: Int64, actor: UUID,
        payload: [String: JSONValue], on connection: PostgresConnection
    ) async throws -> EventWritten {
        var payload = payload
        payload["messageID"] = .integer(messageID)
        let item = try await EventLog.appendChatEvent(
            chat: chat, prevID: head, type: type, user: actor, actor: actor, messageID: messageID,
            payload: .object(payload), on: connection, logger: logger
        )
        return EventWritten(eventID: item.id, prevID: item.prevID)
    }
}
