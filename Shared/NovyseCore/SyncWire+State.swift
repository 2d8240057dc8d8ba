import Foundation

extension SyncWire {
    /// The caller's private state: its own profile with the local cursor, and its settings.
    public struct Local: SchemaDescribed, Sendable {
        public var user: LocalUser
        public var pinnedChats: [PinnedChat]
        public var mutedChats: [MutedChat]
        public var folders: [Folder]
        public var theme: NullOr<String>
    }

    /// The caller's own profile: a `User`'s keys, flat, and `eventID`, the last local event the state includes.
    public struct LocalUser: SchemaDescribed, Sendable {
        public var user: User
        public var eventID: Int64

        enum CodingKeys: String, CodingKey { case eventID }

        public init(from decoder: any Decoder) throws {
            user = try User(from: decoder)
            eventID = try decoder.container(keyedBy: CodingKeys.self).decode(Int64.self, forKey: .eventID)
        }

        public func encode(to encoder: any Encoder) throws {
            try user.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(eventID, forKey: .eventID)
        }
    }

    public struct PinnedChat: SchemaDescribed, Sendable {
        public var chatUUID: UUID
        public var position: Int
    }

    public struct MutedChat: SchemaDescribed, Sendable {
        public var chatUUID: UUID
        public var until: NullOr<String>
    }

    public struct Folder: SchemaDescribed, Sendable {
        public var folderID: String
        public var name: String
        public var chatUUIDs: [UUID]
    }

    /// `GET /user/initialize`'s `data`.
    public struct InitializeData: SchemaDescribed, Sendable {
        public var local: Local
        public var users: [User]
        public var chats: [Chat]
        public var messages: [Message]
        public var hasMore: Bool
        public var retryAfterMs: Int
    }

    /// `POST /user/update`'s `data`.
    public struct UpdateData: SchemaDescribed, Sendable {
        public var chats: ChatsDelta
        public var users: UsersDelta
        public var messages: [Message]
        public var local: [LocalEvent]
        public var localState: NullOr<Local>
        public var hasMore: Bool
        public var retryAfterMs: Int
    }

    public struct ChatsDelta: SchemaDescribed, Sendable {
        public var new: [Chat]
        public var events: [ChatEvent]
        public var removed: [UUID]
    }

    public struct UsersDelta: SchemaDescribed, Sendable {
        public var new: [User]
        public var events: [ProfileEvent]
        public var removed: [UUID]
    }

    /// `GET /chat/history`'s `data`.
    public struct HistoryData: SchemaDescribed, Sendable {
        public var messages: [Message]
        public var hasMore: Bool
    }

    /// `GET /chat/members`' `data`.
    public struct MembersData: SchemaDescribed, Sendable {
        public var members: [ChatMember]
        public var hasMore: Bool
    }
}
