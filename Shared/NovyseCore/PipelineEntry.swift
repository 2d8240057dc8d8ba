import Foundation

/// One item of the event pipeline as it travels through Redis Streams.
///
/// Redis is transport, not truth (I3): an entry carries the stream, the item's ID and its predecessor's ID,
/// so a consumer can tell with certainty whether it missed something (I2), and the item itself rendered as
/// its wire object, so consumers need no Postgres round trip on the fast path.
public struct PipelineEntry: Sendable, Equatable {
    /// `id` of an entry that announces the creation of a stream's owner (a user or a chat). Creation is not
    /// an event of the stream; consumers apply it when they do not know the owner yet.
    public static let creationID: Int64 = 0

    public let stream: StreamID
    public let id: Int64
    public let prevID: Int64
    /// The item as JSON: a message, a chat/profile/local event, or for a creation the created user or chat.
    public let json: String
    /// For a message: the head of its chat's event stream when it was sent. Sends and membership changes
    /// of a chat exclude each other, so the message's audience is exactly the membership as of that event,
    /// whatever order the pipeline's partitions are read in. Nil for other items, and for messages
    /// written before the position was recorded.
    public let eventPosition: Int64?

    public init(stream: StreamID, id: Int64, prevID: Int64, json: String, eventPosition: Int64? = nil) {
        self.stream = stream
        self.id = id
        self.prevID = prevID
        self.json = json
        self.eventPosition = eventPosition
    }

    public var isCreation: Bool { id == Self.creationID }

    /// The field list for `XADD`.
    public var fields: [(String, String)] {
        var fields = [
            ("kind", stream.kind.description), ("key", stream.key.uuidString.lowercased()),
            ("id", String(id)), ("prev", String(prevID)), ("item", json),
        ]
        if let eventPosition { fields.append(("at", String(eventPosition))) }
        return fields
    }

    /// Parses the fields of an entry read back from Redis; nil for anything malformed, which a consumer
    /// acknowledges and leaves to the heal from Postgres.
    public init?(fields: [String: String]) {
        guard let kindName = fields["kind"], let kind = StreamKind(name: kindName),
            let keyText = fields["key"], let key = UUID(uuidString: keyText),
            let idText = fields["id"], let id = Int64(idText),
            let prevText = fields["prev"], let prevID = Int64(prevText),
            let json = fields["item"]
        else { return nil }
        let eventPosition: Int64?
        if let text = fields["at"] {
            guard let position = Int64(text) else { return nil }
            eventPosition = position
        } else {
            eventPosition = nil
        }
        self.init(stream: StreamID(kind: kind, key: key), id: id, prevID: prevID, json: json, eventPosition: eventPosition)
    }
}
