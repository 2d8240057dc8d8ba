import Foundation

/// The objects the query service answers with (`docs/api.md`, "Reads"), as types.
///
/// The service does not build its answers from these: Postgres renders each object as JSON (migrations'
/// `novyse.*_json` functions) and the service joins the fragments, which keeps a large answer's cost in the
/// database. These types are the contract those fragments keep: the query service's OpenAPI description is
/// derived from them (`SchemaDescribed`), and `QueryOpenAPITests` validates real answers of every kind
/// against that description, refusing any key a type lacks and any required key an answer lacks.
/// Times are ISO-8601 strings (`Timestamp`); `NullOr` is a key that is always present but may be `null`.
public enum SyncWire {
    public struct Message: SchemaDescribed, Sendable {
        public var id: Int64
        public var prevID: Int64
        public var chatUUID: UUID
        public var senderUUID: UUID
        public var content: String
        public var createdAt: String
        public var editedAt: NullOr<String>
        public var deleted: Bool
        public var pinned: Bool
        public var reactions: [Reaction]
    }

    public struct Reaction: SchemaDescribed, Sendable {
        public var userUUID: UUID
        public var reaction: String
    }

    public struct ChatEvent: SchemaDescribed, Sendable {
        public var id: Int64
        public var prevID: Int64
        public var type: ChatEventType
        public var chatUUID: UUID
        public var userUUID: UUID
        public var createdAt: String
        public var payload: JSONValue
    }

    public struct ProfileEvent: SchemaDescribed, Sendable {
        public var id: Int64
        public var prevID: Int64
        public var type: ProfileEventType
        public var userUUID: UUID
        public var createdAt: String
        public var payload: JSONValue
    }

    public struct LocalEvent: SchemaDescribed, Sendable {
        public var id: Int64
        public var prevID: Int64
        public var type: LocalEventType
        public var userUUID: UUID
        public var createdAt: String
        public var payload: JSONValue
    }

    public struct User: SchemaDescribed, Sendable {
        public var uuid: UUID
        public var handle: String
        public var name: String
        public var surname: String
        public var biography: String
        public var profilePictureUUID: NullOr<UUID>
        public var bannerPictureUUID: NullOr<UUID>
        public var birthday: NullOr<String>
        public var color: NullOr<String>
        public var profileEventID: Int64
    }

    public struct Chat: SchemaDescribed, Sendable {
        public var uuid: UUID
        public var type: ChatType
        public var name: NullOr<String>
        public var createdAt: String
        public var members: [ChatMember]
        public var pinnedMessages: [Int64]
        public var eventID: Int64
        public var messageID: Int64
        public var hasMoreHistory: Bool
        public var hasMoreMembers: Bool
    }

    public struct ChatMember: SchemaDescribed, Sendable {
        public var userUUID: UUID
        public var role: MemberRole
        public var joinedAt: String
    }
}
