import CoreMetrics
import Foundation
import NovyseCore
import NovyseStorage

extension FanoutRouter {
    /// The messages whose text an entry carries: a new message, or the message an edit rewrote. The reader
    /// asks Postgres once per read which of them are deleted by now.
    static func textBearingMessage(_ entry: PipelineEntry) -> Int64? {
        guard !entry.isCreation else { return nil }
        switch entry.stream.kind {
        case .chatMessages:
            return entry.id
        case .chatEvents:
            let header = ChatEventHeader(json: entry.json)
            return header.type == "MESSAGE_EDITED" ? header.messageID : nil
        default:
            return nil
        }
    }

    /// A push that would carry a deleted message's text (a backlog delivered after the deletion, after a Redis
    /// outage for instance) reaches only those who may still read it: the author and the chat's admins, the
    /// audit right the query side keeps too. Everyone else gets the message as the tombstone it now is (no
    /// content, no edit time), or for an edit nothing at all: the deletion event that follows arrives with a
    /// `prevID` their device does not hold, so it runs an update, which withholds the edit as well.
    func redactingDeleted(_ deliveries: [Delivery], of entry: PipelineEntry) async throws -> [Delivery] {
        var mayRead = try await store.admins(of: entry.stream.key)
        if let author = Self.author(of: entry) { mayRead.insert(author) }
        var redacted: [Delivery] = []
        for delivery in deliveries {
            let readers = delivery.users.intersection(mayRead)
            let others = delivery.users.subtracting(mayRead)
            if !readers.isEmpty { redacted.append(Delivery(event: delivery.event, payload: delivery.payload, users: readers)) }
            if !others.isEmpty, entry.stream.kind == .chatMessages, let tombstone = Self.tombstone(delivery.payload) {
                redacted.append(Delivery(event: delivery.event, payload: tombstone, users: others))
            }
            metrics.redacted.increment(by: others.count)
        }
        return redacted
    }

    /// The message's sender, or the edit's actor (only the author edits).
    static func author(of entry: PipelineEntry) -> UUID? {
        if entry.stream.kind == .chatEvents { return ChatEventHeader(json: entry.json).member }
        struct Sender: Decodable { let senderUUID: UUID? }
        return (try? JSONDecoder().decode(Sender.self, from: Data(entry.json.utf8)))?.senderUUID
    }

    /// The message object as a deleted message reads everywhere else: empty content, no edit time, not
    /// pinned, no reactions, `deleted: true`.
    static func tombstone(_ json: String) -> String? {
        guard var message = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return nil }
        message["content"] = ""
        message["editedAt"] = NSNull()
        message["deleted"] = true
        message["pinned"] = false
        message["reactions"] = [Any]()
        guard let data = try? JSONSerialization.data(withJSONObject: message, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
