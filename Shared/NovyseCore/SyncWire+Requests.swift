import Foundation

extension SyncWire {
    /// `POST /user/update`'s body: the device's cursors. The query service reads it by hand, to name the
    /// exact field a refusal is about, but accepts exactly the keys these types decode.
    public struct UpdateRequest: SchemaDescribed, Sendable {
        public var local: LocalCursor
        public var chats: [ChatCursor]?
        public var users: [UserCursor]?
        public var limit: Int?
    }

    public struct LocalCursor: SchemaDescribed, Sendable {
        public var eventID: Int64
    }

    public struct ChatCursor: SchemaDescribed, Sendable {
        public var chatUUID: UUID
        public var eventID: Int64
        public var messageID: Int64
    }

    public struct UserCursor: SchemaDescribed, Sendable {
        public var userUUID: UUID
        public var profileEventID: Int64
    }
}
