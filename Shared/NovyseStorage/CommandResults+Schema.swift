import Foundation
import NovyseCore

// The mutations' answers, described for OpenAPI: what their types cannot say (`SchemaDescribed`).

private let idRule: JSONValue = ["minimum": 1, "maximum": .integer(SchemaPatterns.maxID)]
private let prevIDRule = SchemaPatterns.ref("PrevID")

extension MessageSent: SchemaDescribed {
    public static var propertyRules: [String: JSONValue] { ["messageID": SchemaPatterns.ref("MessageID"), "prevID": prevIDRule] }
    public static var schemaExtras: [String: JSONValue] {
        [
            "description":
                "The message's ID and its predecessor in the chat's message stream. A resend with the same `clientMessageID` answers the original's IDs."
        ]
    }
    public static var example: Self? { Self(messageID: 1042, prevID: 1017) }
}

extension EventWritten: SchemaDescribed {
    public static var propertyRules: [String: JSONValue] { ["eventID": idRule, "prevID": prevIDRule] }
    public static var schemaExtras: [String: JSONValue] {
        ["description": "The event's ID and its predecessor in its stream (the chat's events, or the caller's local events)."]
    }
    public static var example: Self? { Self(eventID: 1043, prevID: 1001) }
}

extension ChatCreated: SchemaDescribed {
    public static var propertyRules: [String: JSONValue] {
        [
            "chatUUID": SchemaPatterns.ref("UUID"),
            "created": ["description": "False when a DM between the same two users already existed and is returned instead."],
        ]
    }
    public static var example: Self? { Self(chatUUID: UUID(uuidString: "9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d")!, created: true) }
}

extension ProfileEventsWritten: SchemaDescribed {
    public static var propertyRules: [String: JSONValue] {
        [
            "eventIDs": [
                "items": ["type": "integer", "format": "int64", "minimum": 1, "maximum": .integer(SchemaPatterns.maxID)],
                "description":
                    "One profile event per field whose value changed, in the order BIO, PICTURE, BANNER, NAME, SURNAME, BIRTHDAY, COLOR, HANDLE; empty when every value was already current.",
            ]
        ]
    }
    public static var example: Self? { Self(eventIDs: [1050, 1051]) }
}

extension RolesChanged: SchemaDescribed {
    public static var propertyRules: [String: JSONValue] {
        [
            "eventIDs": [
                "minItems": 1, "maxItems": 2,
                "items": ["type": "integer", "format": "int64", "minimum": 1, "maximum": .integer(SchemaPatterns.maxID)],
                "description": "The member's MEMBER_ROLE_CHANGED; a handover of ownership adds the former owner's (now ADMIN), after it.",
            ]
        ]
    }
    public static var example: Self? { Self(eventIDs: [1060]) }
}

extension DeviceUpdated: SchemaDescribed {
    public static var propertyRules: [String: JSONValue] { ["deviceID": ["description": "The calling device (the token's `did`)."]] }
    public static var example: Self? { Self(deviceID: "pixel-8") }
}
