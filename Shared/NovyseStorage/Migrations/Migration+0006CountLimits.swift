import Foundation

extension Migration {
    /// Two changes of this release:
    ///
    /// - An index for the count limits: a chat's pinned messages are counted before each pin, and
    ///   `message_state` holds a row for every deleted message of every chat, so the count reads only the
    ///   pinned ones.
    /// - A deleted message is a tombstone: `MESSAGE_DELETED` also clears `edited_at`, so nothing about its
    ///   edits survives for members who may not see them (the update path withholds an edit that a later
    ///   deletion follows, and a member's mirror must end where the server is). `apply_chat_event` is
    ///   migration 5's with that one line changed (derived from it, so the two cannot drift elsewhere), and
    ///   the live snapshot is brought to the same state, which a replay from zero now also yields.
    static let countLimits = Migration(version: 6, name: "count_limits_and_tombstones", statements: [
        "CREATE INDEX message_state_pinned ON novyse.message_state (message_id) WHERE pinned",
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
        return original
            .replacingOccurrences(of: "CREATE FUNCTION novyse.apply_chat_event(", with: "CREATE OR REPLACE FUNCTION novyse.apply_chat_event(")
            .replacingOccurrences(
                of: deletedMessageUpdate,
                with: "UPDATE messages SET deleted = true, content = '', pinned = false, edited_at = NULL WHERE id = mid;"
            )
    }
}
