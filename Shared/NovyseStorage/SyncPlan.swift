import Foundation
import NovyseCore

/// The membership diff and the answer's budget, decided from what the caller holds and what it may see.
///
/// Pure logic, so the rules of `POST /user/update` (what is new, what is removed, what is resent, where the
/// `limit` cuts) are unit-tested without a database; `QueryStore` only gathers the inputs and renders the
/// chosen rows.
public struct SyncPlan: Sendable, Equatable {
    /// A chat's state as the classification query sees it, in the answer's consistent snapshot.
    public struct ChatStatus: Sendable, Equatable {
        public var chat: UUID
        /// An active member in the projected state and in the write model.
        public var member: Bool
        public var role: MemberRole?
        /// The caller's cursors, when it sent the chat.
        public var sent: SyncCursors.Chat?
        /// Both cursors name an item of this chat (or 0); false means a reset or invented cursor.
        public var cursorsValid: Bool
        public var eventPosition: Int64
        public var messagePosition: Int64
        /// The event store holds items of this chat that the snapshot does not have yet.
        public var lagging: Bool
        /// How many of its latest messages a new chat carries (bounded by the configured number).
        public var latestMessages: Int
        /// A member in the write model whose membership the projection does not show yet.
        public var pending: Bool

        public init(
            chat: UUID, member: Bool, role: MemberRole?, sent: SyncCursors.Chat?, cursorsValid: Bool,
            eventPosition: Int64, messagePosition: Int64, lagging: Bool, latestMessages: Int, pending: Bool = false
        ) {
            self.pending = pending
            self.chat = chat
            self.member = member
            self.role = role
            self.sent = sent
            self.cursorsValid = cursorsValid
            self.eventPosition = eventPosition
            self.messagePosition = messagePosition
            self.lagging = lagging
            self.latestMessages = latestMessages
        }
    }

    /// A user's state: visible means the caller itself or someone it shares an active chat with.
    public struct UserStatus: Sendable, Equatable {
        public var user: UUID
        public var visible: Bool
        public var sentEventID: Int64?
        public var cursorValid: Bool
        public var position: Int64
        public var lagging: Bool
        /// The snapshot has the profile (a user created a moment ago may not be projected yet).
        public var projected: Bool
        /// Not visible yet, but a member of a chat the caller joined that is not projected yet.
        public var pending: Bool

        public init(
            user: UUID, visible: Bool, sentEventID: Int64?, cursorValid: Bool, position: Int64, lagging: Bool,
            projected: Bool, pending: Bool = false
        ) {
            self.pending = pending
            self.user = user
            self.visible = visible
            self.sentEventID = sentEventID
            self.cursorValid = cursorValid
            self.position = position
            self.lagging = lagging
            self.projected = projected
        }
    }

    /// The caller's private stream.
    public struct LocalStatus: Sendable, Equatable {
        public var sentEventID: Int64?
        public var cursorValid: Bool
        public var position: Int64
        public var lagging: Bool

        public init(sentEventID: Int64?, cursorValid: Bool, position: Int64, lagging: Bool) {
            self.sentEventID = sentEventID
            self.cursorValid = cursorValid
            self.position = position
            self.lagging = lagging
        }
    }

    /// Items of a held chat to serve: events in `(eventsAfter, eventsUpTo]`, messages after `messagesAfter`.
    public struct ChatRange: Sendable, Equatable {
        public var chat: UUID
        public var eventsAfter: Int64
        public var eventsUpTo: Int64
        public var messagesAfter: Int64
        /// Admins and owners get every `MESSAGE_EDITED`; others the latest per message in the range (I7).
        public var privileged: Bool
    }

    /// Profile events of a held user to serve, `(after, upTo]`.
    public struct UserRange: Sendable, Equatable {
        public var user: UUID
        public var after: Int64
        public var upTo: Int64
        /// The owner gets the full log; contacts the latest event of each type in the range (I7).
        public var fullLog: Bool

        public init(user: UUID, after: Int64, upTo: Int64, fullLog: Bool) {
            self.user = user
            self.after = after
            self.upTo = upTo
            self.fullLog = fullLog
        }
    }

    public var newChats: [UUID] = []
    public var removedChats: [UUID] = []
    public var newUsers: [UUID] = []
    public var removedUsers: [UUID] = []
    public var chatRanges: [ChatRange] = []
    public var userRanges: [UserRange] = []
    /// Private events `(after, upTo]`; nil when the private state is sent whole instead.
    public var localRange: ClosedRange<Int64>?
    public var resendLocal = false
    /// How many items the id-ordered delta query may still return; 0 skips it.
    public var deltaBudget = 0
    /// Some new chat or user did not fit; the answer says `hasMore`.
    public var entitiesLeftOut = false
    /// Some held stream has items to serve.
    public var deltasPending: Bool { !chatRanges.isEmpty || !userRanges.isEmpty || localRange != nil }
    /// Nothing to render: no new chat or user, no item after a cursor, the private state not resent. The
    /// answer is then the plan's removals and lag alone.
    public var rendersNothing: Bool { newChats.isEmpty && newUsers.isEmpty && !deltasPending && !resendLocal }
    /// Something the caller may see is committed but not projected yet: ask again shortly.
    public var lagging = false

    public init(
        caller: UUID, limit: Int, chats: [ChatStatus], users: [UserStatus], local: LocalStatus
    ) {
        precondition(limit > 0, "limit must be positive")
        var used = 0
        let member = chats.filter(\.member)
        removedChats = chats.filter { !$0.member && !$0.pending && $0.sent != nil }.map(\.chat).sorted()
        lagging = member.contains(where: \.lagging) || local.lagging || chats.contains(where: \.pending)

        // New chats: those the caller lacks, or holds with cursors the server cannot continue from. The most
        // recently active first; a chat is never split, and the first one always goes, so every answer moves on.
        let fresh = member.filter { $0.sent == nil || !$0.cursorsValid }
            .sorted { $0.messagePosition != $1.messagePosition ? $0.messagePosition > $1.messagePosition : $0.chat < $1.chat }
        for chat in fresh {
            let cost = 1 + chat.latestMessages
            guard used + cost <= limit || used == 0 else {
                entitiesLeftOut = true
                break
            }
            newChats.append(chat.chat)
            used += cost
        }

        for chat in member {
            guard let sent = chat.sent, chat.cursorsValid else { continue }
            let range = ChatRange(
                chat: chat.chat, eventsAfter: sent.eventID, eventsUpTo: max(sent.eventID, chat.eventPosition),
                messagesAfter: sent.messageID, privileged: chat.role?.isAdmin ?? false
            )
            if range.eventsUpTo > range.eventsAfter || chat.messagePosition > sent.messageID {
                chatRanges.append(range)
            }
        }

        let visible = users.filter(\.visible)
        removedUsers = users.filter { !$0.visible && !$0.pending && $0.sentEventID != nil && $0.user != caller }
            .map(\.user).sorted()
        lagging = lagging || visible.contains { $0.lagging || !$0.projected } || users.contains(where: \.pending)
        let freshUsers = visible.filter { ($0.sentEventID == nil || !$0.cursorValid) && $0.projected }
            .sorted { ($0.user == caller) != ($1.user == caller) ? $0.user == caller : $0.user < $1.user }
        for user in freshUsers {
            guard used < limit else {
                entitiesLeftOut = true
                break
            }
            newUsers.append(user.user)
            used += 1
        }
        for user in visible {
            guard let after = user.sentEventID, user.cursorValid, user.position > after else { continue }
            userRanges.append(UserRange(user: user.user, after: after, upTo: user.position, fullLog: user.user == caller))
        }

        if let after = local.sentEventID, local.cursorValid {
            if local.position > after { localRange = after...local.position }
        } else {
            resendLocal = true
        }
        deltaBudget = max(0, limit - used)
    }
}
