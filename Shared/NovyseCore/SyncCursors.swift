import Foundation

/// What a device holds, as it tells `POST /user/update`: one cursor per stream it mirrors.
///
/// The server diffs these against what the caller may see (the seed's membership diff): a stream the device
/// lacks comes back whole, one it holds comes back as the items after its cursor, one it may no longer see is
/// named in a removal list. An empty value is what a device with an empty database has, so `initialize` is
/// the same computation.
public struct SyncCursors: Sendable, Equatable {
    /// A chat the device mirrors, with its two cursors: the last chat event and the last message it applied.
    public struct Chat: Sendable, Equatable, Hashable {
        public let chatUUID: UUID
        public let eventID: Int64
        public let messageID: Int64

        public init(chatUUID: UUID, eventID: Int64, messageID: Int64) {
            self.chatUUID = chatUUID
            self.eventID = eventID
            self.messageID = messageID
        }
    }

    /// A user whose profile the device mirrors, with the last profile event it applied.
    public struct User: Sendable, Equatable, Hashable {
        public let userUUID: UUID
        public let profileEventID: Int64

        public init(userUUID: UUID, profileEventID: Int64) {
            self.userUUID = userUUID
            self.profileEventID = profileEventID
        }
    }

    /// The last private (local) event applied; nil when the device holds no private state yet.
    public let localEventID: Int64?
    public let chats: [Chat]
    public let users: [User]

    public init(localEventID: Int64?, chats: [Chat], users: [User]) {
        self.localEventID = localEventID
        self.chats = chats
        self.users = users
    }

    /// A device with nothing: what `initialize` answers for.
    public static let empty = SyncCursors(localEventID: nil, chats: [], users: [])
}
