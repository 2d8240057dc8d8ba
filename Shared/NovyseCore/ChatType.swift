/// The kinds of chat the seed knows. Stored as text in Postgres and sent as-is on the wire.
public enum ChatType: String, Sendable, Codable, CaseIterable {
    case dm = "DM"
    case group = "GROUP"
    case channel = "CHANNEL"
}

/// A member's role in a chat; owners and admins may pin, add and remove, and post in channels.
public enum MemberRole: String, Sendable, Codable, CaseIterable {
    case owner = "OWNER"
    case admin = "ADMIN"
    case member = "MEMBER"

    /// Owners carry every admin right.
    public var isAdmin: Bool { self != .member }
}
