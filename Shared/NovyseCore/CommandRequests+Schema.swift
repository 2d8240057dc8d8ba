import Foundation

// What the command requests' types cannot say about themselves: limits, patterns, descriptions and
// examples. Properties, JSON types, required and nullable fields come from the types (`SchemaDescribed`).

extension ChatType: SchemaEnumeration {}
extension MemberRole: SchemaEnumeration {}

/// UUIDs the examples share, so one example's chat is the next one's.
private enum Sample {
    static let chat = UUID(uuidString: "9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d")!
    static let user = UUID(uuidString: "5e0c9a8b-7d6f-4e3a-b2c1-0f9e8d7c6b5a")!
    static let me = UUID(uuidString: "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f")!
}

private let uuidRule = SchemaPatterns.ref("UUID")
private let messageIDRule = SchemaPatterns.ref("MessageID")

extension CreateChatRequest {
    public static var propertyRules: [String: JSONValue] {
        [
            "type": ["description": "DM, GROUP or CHANNEL."],
            "memberUUIDs": [
                "items": uuidRule, "maxItems": .integer(Int64(Limits.groupMembers.upperBound)),
                "description": .string(
                    "The other members (the caller is added as OWNER of a group or channel; duplicates and the caller are ignored). A DM needs exactly one other member; a group or channel at most \(Limits.groupMembers.upperBound), possibly none."
                ),
            ],
            "name": SchemaPatterns.text(
                Limits.chatName, pattern: SchemaPatterns.visibleText,
                description:
                    "\(Limits.chatName.lowerBound)–\(Limits.chatName.upperBound) characters, not blank; groups and channels only (a DM has no name)."
            ),
        ]
    }
    public static var schemaExtras: [String: JSONValue] {
        [
            "if": ["properties": ["type": ["const": "DM"]], "required": ["type"]],
            "then": ["properties": ["name": ["type": "null"], "memberUUIDs": ["minItems": 1, "maxItems": 1]]],
        ]
    }
    public static var example: Self? { Self(type: .group, memberUUIDs: [Sample.user], name: "Weekend trip") }
}

extension ChatMemberRequest {
    public static var propertyRules: [String: JSONValue] { ["chatUUID": uuidRule, "userUUID": uuidRule] }
    public static var example: Self? { Self(chatUUID: Sample.chat, userUUID: Sample.user) }
}

extension ChatRoleRequest {
    public static var propertyRules: [String: JSONValue] {
        [
            "chatUUID": uuidRule, "userUUID": uuidRule,
            "role": [
                "description": "The member's new role. OWNER hands ownership over: the member becomes the owner and the caller an admin."
            ],
        ]
    }
    public static var example: Self? { Self(chatUUID: Sample.chat, userUUID: Sample.user, role: .admin) }
}

extension ChatRequest {
    public static var propertyRules: [String: JSONValue] { ["chatUUID": uuidRule] }
    public static var example: Self? { Self(chatUUID: Sample.chat) }
}

extension SendMessageRequest {
    public static var propertyRules: [String: JSONValue] {
        [
            "chatUUID": uuidRule, "content": SchemaPatterns.ref("MessageContent"),
            "clientMessageID": SchemaPatterns.ref(
                "UUID",
                description:
                    "Chosen by the client, unique per sender: a resend with the same ID and content answers the original message instead of sending it twice."
            ),
        ]
    }
    public static var example: Self? {
        Self(chatUUID: Sample.chat, content: "See you at 10?", clientMessageID: UUID(uuidString: "0c8e7f6a-5b4d-4c3e-9f2a-1b0c9d8e7f6a")!)
    }
}

extension EditMessageRequest {
    public static var propertyRules: [String: JSONValue] {
        ["chatUUID": uuidRule, "messageID": messageIDRule, "content": SchemaPatterns.ref("MessageContent")]
    }
    public static var example: Self? { Self(chatUUID: Sample.chat, messageID: 1042, content: "See you at 11?") }
}

extension MessageRequest {
    public static var propertyRules: [String: JSONValue] { ["chatUUID": uuidRule, "messageID": messageIDRule] }
    public static var example: Self? { Self(chatUUID: Sample.chat, messageID: 1042) }
}

extension ReactionRequest {
    public static var propertyRules: [String: JSONValue] {
        [
            "chatUUID": uuidRule, "messageID": messageIDRule,
            "reaction": SchemaPatterns.text(
                Limits.reaction, pattern: "^[^\\s\\u0000-\\u001F\\u007F]+$",
                description:
                    "One emoji or a short code: \(Limits.reaction.lowerBound)–\(Limits.reaction.upperBound) characters (Unicode code points), no spaces or control characters."
            ),
        ]
    }
    public static var example: Self? { Self(chatUUID: Sample.chat, messageID: 1042, reaction: "👍") }
}

extension PinChatRequest {
    public static var propertyRules: [String: JSONValue] {
        [
            "chatUUID": uuidRule,
            "position": [
                "minimum": .integer(Int64(Limits.pinPosition.lowerBound)), "maximum": .integer(Int64(Limits.pinPosition.upperBound)),
                "description": "Order among the pinned chats; pinning a pinned chat again moves it.",
            ],
        ]
    }
    public static var example: Self? { Self(chatUUID: Sample.chat, position: 0) }
}

extension MuteChatRequest {
    public static var propertyRules: [String: JSONValue] {
        [
            "chatUUID": uuidRule,
            "until": [
                "format": "date-time",
                "description":
                    "A future ISO-8601 time such as `2026-11-24T10:00:00.000Z` (stored with milliseconds, UTC); absent or null mutes until unmuted.",
            ],
        ]
    }
    public static var example: Self? { Self(chatUUID: Sample.chat, until: "2100-01-01T00:00:00.000Z") }
}

extension ThemeRequest {
    public static var propertyRules: [String: JSONValue] { ["theme": SchemaPatterns.text(Limits.theme, pattern: "^[A-Za-z0-9_-]+$")] }
    public static var example: Self? { Self(theme: "dark") }
}

extension FolderRequest {
    public static var propertyRules: [String: JSONValue] {
        [
            "folderID": SchemaPatterns.ref("FolderID"),
            "name": SchemaPatterns.text(Limits.folderName, pattern: SchemaPatterns.visibleText, description: "Not blank."),
            "chatUUIDs": [
                "items": uuidRule, "minItems": .integer(Int64(Limits.folderChats.lowerBound)),
                "maxItems": .integer(Int64(Limits.folderChats.upperBound)),
                "description": "Chats the caller is a member of; duplicates are dropped.",
            ],
        ]
    }
    public static var schemaExtras: [String: JSONValue] { ["description": "Creates the folder, or replaces it whole."] }
    public static var example: Self? { Self(folderID: "work", name: "Work", chatUUIDs: [Sample.chat]) }
}

extension DeleteFolderRequest {
    public static var propertyRules: [String: JSONValue] { ["folderID": SchemaPatterns.ref("FolderID")] }
    public static var example: Self? { Self(folderID: "work") }
}

extension PushTokenRequest {
    public static var propertyRules: [String: JSONValue] {
        [
            "pushToken": SchemaPatterns.text(
                Limits.pushToken, pattern: "^[!-~]+$",
                description:
                    "The device's FCM registration token: \(Limits.pushToken.lowerBound)–\(Limits.pushToken.upperBound) visible ASCII characters (FCM tokens are). A token moves to the device that registers it last."
            )
        ]
    }
    public static var example: Self? { Self(pushToken: "fcm-registration-token") }
}

extension EmptyRequest {
    public static var schemaExtras: [String: JSONValue] { ["maxProperties": 0, "description": "No body, or `{}`."] }
    public static var example: Self? { Self() }
}

extension CreateUserRequest {
    public static var propertyRules: [String: JSONValue] {
        [
            "handle": SchemaPatterns.ref("Handle"),
            "name": SchemaPatterns.text(Limits.name, pattern: SchemaPatterns.visibleText, description: "Not blank."),
            "surname": SchemaPatterns.text(Limits.surname, pattern: SchemaPatterns.noNUL),
            "biography": SchemaPatterns.text(Limits.biography, pattern: SchemaPatterns.noNUL),
            "birthday": SchemaPatterns.ref("Birthday"), "color": SchemaPatterns.ref("Color"),
        ]
    }
    public static var schemaExtras: [String: JSONValue] { ["description": "The same field rules as `PATCH /user/profile`."] }
    public static var example: Self? {
        Self(
            handle: "alice", name: "Alice", surname: "Liddell", biography: "Hiking and coffee", profilePictureUUID: Sample.user,
            bannerPictureUUID: Sample.chat, birthday: "1990-05-04", color: "#3366ff"
        )
    }
}

extension IssueTokenRequest {
    public static var propertyRules: [String: JSONValue] {
        ["userUUID": uuidRule, "deviceID": ["minLength": 1, "maxLength": 128, "description": "1–128 bytes; becomes the token's `did`."]]
    }
    public static var example: Self? { Self(userUUID: Sample.me, deviceID: "pixel-8") }
}
