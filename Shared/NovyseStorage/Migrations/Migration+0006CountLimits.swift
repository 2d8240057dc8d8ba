import Foundation

extension Migration {
    /// The changes of this release:
    ///
    /// - For the count limits: a chat's pinned messages are counted before each pin, so `message_state`
    ///   (a row for every deleted or pinned message) gains the message's chat and an index of the pinned ones
    ///   per chat. And an index for the update path's check for a later edit or deletion of a message.
    /// - A deleted message is a tombstone: `MESSAGE_DELETED` also clears `edited_at`, so nothing about its
    ///   edits survives for members who may not see them (the update path withholds an edit that a later
    ///   deletion follows, and a member's mirror must end where the server is). `apply_chat_event` is
    ///   migration 5's with that one line changed (derived from it, so the two cannot drift elsewhere), and
    ///   the live snapshot is brought to the same state, which a replay from zero now also yields.
    static let countLimits = Migration(
        version: 6, name: "count_limits_and_tombstones",
        statements: [
            // No projector may apply a deletion with the old function between the fix of the live rows and the
            // commit: they wait for this transaction.
            "LOCK TABLE snapshot.messages IN EXCLUSIVE MODE",
            // The pinned count is per chat: message_state learns each message's chat.
            "ALTER TABLE novyse.message_state ADD COLUMN chat_uuid uuid REFERENCES novyse.chats (uuid)",
            "UPDATE novyse.message_state s SET chat_uuid = m.chat_uuid FROM novyse.messages m WHERE m.id = s.message_id",
            "ALTER TABLE novyse.message_state ALTER COLUMN chat_uuid SET NOT NULL",
            "CREATE INDEX message_state_pinned_by_chat ON novyse.message_state (chat_uuid) WHERE pinned",
            // The update path's "is a later edit or deletion of this message in the range?" reads this index.
            """
            CREATE INDEX chat_events_edits_deletes_by_message ON novyse.chat_events (message_id, id)
                WHERE type IN ('MESSAGE_EDITED', 'MESSAGE_DELETED')
            """,
            "SET LOCAL check_function_bodies = off",
            tombstoneApplyChatEvent,
            "UPDATE snapshot.messages SET edited_at = NULL WHERE deleted AND edited_at IS NOT NULL",
        ])

    static let deletedMessageUpdate = "UPDATE messages SET deleted = true, content = '', pinned = false WHERE id = mid;"

    /// Migration 5's `apply_chat_event`, replaced, with deletions clearing `edited_at`.
    static var tombstoneApplyChatEvent: String {
        guard let original = projection.statements.first(where: { $0.contains("FUNCTION novyse.apply_chat_event(") }),
            original.contains(deletedMessageUpdate)
        else { preconditionFailure("migration 5 no longer holds apply_chat_event as migration 6 expects") }
        return
            original
            .replacingOccurrences(of: "CREATE FUNCTION novyse.apply_chat_event(", with: "CREATE OR REPLACE FUNCTION novyse.apply_chat_event(")
            .replacingOccurrences(
                of: deletedMessageUpdate,
                with: "UPDATE messages SET deleted = true, content = '', pinned = false, edited_at = NULL WHERE id = mid;"
            )
    }
}
