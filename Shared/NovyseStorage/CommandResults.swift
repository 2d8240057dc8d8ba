import Foundation

/// Answers of the mutations: the IDs they created (`api.md`). Codable because they are also what the
/// idempotency key stores and replays.
public struct ChatCreated: Codable, Sendable, Equatable {
    /// Lower-case, like every UUID the API writes.
    public let chatUUID: String
    /// False when a DM with the same member already existed and is returned instead.
    public let created: Bool

    public init(chatUUID: UUID, created: Bool) {
        self.chatUUID = chatUUID.uuidString.lowercased()
        self.created = created
    }
}

public struct EventWritten: Codable, Sendable, Equatable {
    public let eventID: Int64
    public let prevID: Int64
}

public struct MessageSent: Codable, Sendable, Equatable {
    public let messageID: Int64
    public let prevID: Int64
}

public struct ProfileEventsWritten: Codable, Sendable, Equatable {
    /// One per changed field; empty when every value was already current.
    public let eventIDs: [Int64]
}

public struct RolesChanged: Codable, Sendable, Equatable {
    /// The member's `MEMBER_ROLE_CHANGED`; a handover adds the former owner's, after it.
    public let eventIDs: [Int64]
}

public struct DeviceUpdated: Codable, Sendable, Equatable {
    public let deviceID: String
}
