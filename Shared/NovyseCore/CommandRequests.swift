import Foundation

/// Request bodies of the command API (`api.md`, "Mutations"). Shared with clients so both sides encode
/// the same shapes. The server refuses keys a type does not decode, so a typo is an error instead of a
/// silently ignored field; those keys, and the OpenAPI schema, are derived from the type's own `Codable`
/// conformance (`SchemaDescribed`), whose rules live in `CommandRequests+Schema.swift`.
public protocol CommandRequest: SchemaDescribed, Sendable {}

extension CommandRequest {
    /// The keys the body may hold.
    public static var keys: Set<String> { schemaKeys }
}

public struct CreateChatRequest: CommandRequest, Equatable {
    public var type: ChatType
    public var memberUUIDs: [UUID]
    public var name: String?
    public init(type: ChatType, memberUUIDs: [UUID], name: String? = nil) {
        self.type = type
        self.memberUUIDs = memberUUIDs
        self.name = name
    }
}

public struct ChatMemberRequest: CommandRequest, Equatable {
    public var chatUUID: UUID
    public var userUUID: UUID
    public init(chatUUID: UUID, userUUID: UUID) {
        self.chatUUID = chatUUID
        self.userUUID = userUUID
    }
}

/// `{chatUUID, userUUID, role}`: the owner sets a member's role (`OWNER` hands ownership over).
public struct ChatRoleRequest: CommandRequest, Equatable {
    public var chatUUID: UUID
    public var userUUID: UUID
    public var role: MemberRole
    public init(chatUUID: UUID, userUUID: UUID, role: MemberRole) {
        self.chatUUID = chatUUID
        self.userUUID = userUUID
        self.role = role
    }
}

/// `{chatUUID}`: leave, unpin or unmute a chat.
public struct ChatRequest: CommandRequest, Equatable {
    public var chatUUID: UUID
    public init(chatUUID: UUID) { self.chatUUID = chatUUID }
}

public struct SendMessageRequest: CommandRequest, Equatable {
    public var chatUUID: UUID
    public var content: String
    public var clientMessageID: UUID
    public init(chatUUID: UUID, content: String, clientMessageID: UUID) {
        self.chatUUID = chatUUID
        self.content = content
        self.clientMessageID = clientMessageID
    }
}

public struct EditMessageRequest: CommandRequest, Equatable {
    public var chatUUID: UUID
    public var messageID: Int64
    public var content: String
    public init(chatUUID: UUID, messageID: Int64, content: String) {
        self.chatUUID = chatUUID
        self.messageID = messageID
        self.content = content
    }
}

/// `{chatUUID, messageID}`: delete, pin or unpin a message.
public struct MessageRequest: CommandRequest, Equatable {
    public var chatUUID: UUID
    public var messageID: Int64
    public init(chatUUID: UUID, messageID: Int64) {
        self.chatUUID = chatUUID
        self.messageID = messageID
    }
}

public struct ReactionRequest: CommandRequest, Equatable {
    public var chatUUID: UUID
    public var messageID: Int64
    public var reaction: String
    public init(chatUUID: UUID, messageID: Int64, reaction: String) {
        self.chatUUID = chatUUID
        self.messageID = messageID
        self.reaction = reaction
    }
}

public struct PinChatRequest: CommandRequest, Equatable {
    public var chatUUID: UUID
    public var position: Int
    public init(chatUUID: UUID, position: Int) {
        self.chatUUID = chatUUID
        self.position = position
    }
}

public struct MuteChatRequest: CommandRequest, Equatable {
    public var chatUUID: UUID
    /// ISO-8601 time; absent means muted until unmuted.
    public var until: String?
    public init(chatUUID: UUID, until: String? = nil) {
        self.chatUUID = chatUUID
        self.until = until
    }
}

public struct ThemeRequest: CommandRequest, Equatable {
    public var theme: String
    public init(theme: String) { self.theme = theme }
}

public struct FolderRequest: CommandRequest, Equatable {
    public var folderID: String
    public var name: String
    public var chatUUIDs: [UUID]
    public init(folderID: String, name: String, chatUUIDs: [UUID]) {
        self.folderID = folderID
        self.name = name
        self.chatUUIDs = chatUUIDs
    }
}

public struct DeleteFolderRequest: CommandRequest, Equatable {
    public var folderID: String
    public init(folderID: String) { self.folderID = folderID }
}

public struct PushTokenRequest: CommandRequest, Equatable {
    public var pushToken: String
    public init(pushToken: String) { self.pushToken = pushToken }
}

public struct EmptyRequest: CommandRequest, Equatable {
    public init() {}
}

public struct CreateUserRequest: CommandRequest, Equatable {
    public var handle: String
    public var name: String
    public var surname: String?
    public var biography: String?
    public var profilePictureUUID: UUID?
    public var bannerPictureUUID: UUID?
    public var birthday: String?
    public var color: String?

    public init(
        handle: String, name: String, surname: String? = nil, biography: String? = nil,
        profilePictureUUID: UUID? = nil, bannerPictureUUID: UUID? = nil, birthday: String? = nil, color: String? = nil
    ) {
        self.handle = handle
        self.name = name
        self.surname = surname
        self.biography = biography
        self.profilePictureUUID = profilePictureUUID
        self.bannerPictureUUID = bannerPictureUUID
        self.birthday = birthday
        self.color = color
    }
}

public struct IssueTokenRequest: CommandRequest, Equatable {
    public var userUUID: UUID
    public var deviceID: String

    public init(userUUID: UUID, deviceID: String) {
        self.userUUID = userUUID
        self.deviceID = deviceID
    }
}
