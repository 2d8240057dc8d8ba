import Foundation

// What the read side's wire types cannot say about themselves: ID ranges, time formats, descriptions.
// Properties, JSON types, required and nullable keys come from the types (`SchemaDescribed`).

extension ChatEventType: SchemaEnumeration {}
extension ProfileEventType: SchemaEnumeration {}
extension LocalEventType: SchemaEnumeration {}

extension SyncWire {
    /// An item or cursor ID: 0 (nothing yet) up to 2^53 − 1.
    static let id: JSONValue = ["minimum": 0, "maximum": .integer(SchemaPatterns.maxID)]
    static let time: JSONValue = ["format": "date-time"]
    static let payload: JSONValue = [
        "type": "object", "required": ["current"],
        "description": "`current`: the value after the event (for a profile event, of the field it changes); some events add fields.",
    ]

    static func rules(ids: [String] = [], times: [String] = [], _ more: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var rules = more
        for key in ids { rules[key] = id }
        for key in times { rules[key] = time }
        return rules
    }
}

extension SyncWire.Message {
    public static var propertyRules: [String: JSONValue] { SyncWire.rules(ids: ["id", "prevID"], times: ["createdAt", "editedAt"]) }
}

extension SyncWire.ChatEvent {
    public static var propertyRules: [String: JSONValue] {
        SyncWire.rules(ids: ["id", "prevID"], times: ["createdAt"], ["payload": SyncWire.payload])
    }
}

extension SyncWire.ProfileEvent {
    public static var propertyRules: [String: JSONValue] {
        SyncWire.rules(ids: ["id", "prevID"], times: ["createdAt"], ["payload": SyncWire.payload])
    }
}

extension SyncWire.LocalEvent {
    public static var propertyRules: [String: JSONValue] {
        SyncWire.rules(ids: ["id", "prevID"], times: ["createdAt"], ["payload": SyncWire.payload])
    }
}

extension SyncWire.User {
    public static var propertyRules: [String: JSONValue] { SyncWire.rules(ids: ["profileEventID"]) }
}

extension SyncWire.LocalUser {
    public static var propertyRules: [String: JSONValue] { SyncWire.rules(ids: ["profileEventID", "eventID"]) }
}

extension SyncWire.Chat {
    public static var propertyRules: [String: JSONValue] {
        SyncWire.rules(
            ids: ["eventID", "messageID"], times: ["createdAt"],
            [
                "pinnedMessages": ["items": SyncWire.id],
                "hasMoreMembers": [
                    "description":
                        "members lists at most NOVYSE_QUERY_CHAT_MEMBERS (default 100): the caller, the owner and admins, then others by userUUID; true when GET /chat/members has more"
                ],
            ])
    }
}

extension SyncWire.ChatMember {
    public static var propertyRules: [String: JSONValue] { SyncWire.rules(times: ["joinedAt"]) }
}

extension SyncWire.MutedChat {
    public static var propertyRules: [String: JSONValue] { SyncWire.rules(times: ["until"]) }
}

extension SyncWire.InitializeData {
    public static var propertyRules: [String: JSONValue] { ["retryAfterMs": SyncWire.retryAfterMs] }
}

extension SyncWire.UpdateData {
    public static var propertyRules: [String: JSONValue] { ["retryAfterMs": SyncWire.retryAfterMs] }
}

extension SyncWire {
    static let retryAfterMs: JSONValue = [
        "minimum": 0, "description": "> 0: the projection is behind; update again after this delay",
    ]
}

extension SyncWire.UpdateRequest {
    public static var propertyRules: [String: JSONValue] {
        // Absent lists are empty and an absent limit is the default, but `null` is refused: a client that
        // sends it has a bug worth hearing about.
        [
            "chats": ["type": "array"], "users": ["type": "array"],
            "limit": [
                "type": "integer", "minimum": 1,
                "description": "most items in the answer (default NOVYSE_QUERY_DEFAULT_LIMIT, lowered to NOVYSE_QUERY_MAX_LIMIT)",
            ],
        ]
    }
    public static var example: Self? {
        let chat = UUID(uuidString: "9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d")!
        let user = UUID(uuidString: "5e0c9a8b-7d6f-4e3a-b2c1-0f9e8d7c6b5a")!
        return Self(
            local: .init(eventID: 0), chats: [.init(chatUUID: chat, eventID: 12, messageID: 40)],
            users: [.init(userUUID: user, profileEventID: 3)], limit: 500)
    }
}

extension SyncWire.LocalCursor {
    public static var propertyRules: [String: JSONValue] { SyncWire.rules(ids: ["eventID"]) }
}

extension SyncWire.ChatCursor {
    public static var propertyRules: [String: JSONValue] { SyncWire.rules(ids: ["eventID", "messageID"]) }
}

extension SyncWire.UserCursor {
    public static var propertyRules: [String: JSONValue] { SyncWire.rules(ids: ["profileEventID"]) }
}
