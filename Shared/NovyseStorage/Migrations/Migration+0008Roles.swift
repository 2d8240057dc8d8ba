import Foundation

extension Migration {
    /// Roles change after creation: `MEMBER_ROLE_CHANGED` (the owner promotes or demotes an admin, or
    /// hands ownership over). The event type is allowed in `chat_events`, and the projector's
    /// `apply_chat_event` (migration 6's, derived from it so the two cannot drift elsewhere) sets the
    /// member's role in the snapshot.
    static let roles = Migration(
        version: 8, name: "member_roles",
        statements: [
            "ALTER TABLE novyse.chat_events DROP CONSTRAINT chat_events_type_check",
            """
            ALTER TABLE novyse.chat_events ADD CONSTRAINT chat_events_type_check CHECK (type IN ('MESSAGE_EDITED',
                'REACTION_ADDED', 'REACTION_REMOVED', 'MESSAGE_DELETED', 'MESSAGE_PINNED', 'MESSAGE_UNPINNED',
                'MEMBER_JOINED', 'MEMBER_LEFT', 'MEMBER_ROLE_CHANGED'))
            """,
            "SET LOCAL check_function_bodies = off",
            roleApplyChatEvent,
        ])

    static let memberLeftBranch = "WHEN 'MEMBER_LEFT' THEN"

    /// Migration 6's `apply_chat_event` with a branch for role changes.
    static var roleApplyChatEvent: String {
        let original = tombstoneApplyChatEvent
        guard original.contains(memberLeftBranch) else {
            preconditionFailure("migration 6's apply_chat_event no longer has the MEMBER_LEFT branch migration 8 expects")
        }
        return original.replacingOccurrences(
            of: memberLeftBranch,
            with: """
                WHEN 'MEMBER_ROLE_CHANGED' THEN
                            UPDATE members SET role = p ->> 'current' WHERE chat_uuid = p_chat AND user_uuid = actor;
                        \(memberLeftBranch)
                """
        )
    }
}
