import Foundation
import Hummingbird
import NIOCore
import NovyseStorage

/// Writes answers into the success envelope by joining the JSON fragments Postgres rendered: nothing is
/// decoded and re-encoded on the way out, which keeps a large answer's cost in the database, not here.
struct SyncResponse {
    private var buffer: ByteBuffer

    private init(capacity: Int) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// `POST /user/update`.
    static func update(_ answer: SyncAnswer, retryAfterMs: Int) -> Response {
        var out = SyncResponse(capacity: answer.estimatedBytes)
        out.write(#"{"success":true,"data":{"chats":{"new":"#)
        out.array(answer.newChats)
        out.write(#","events":"#)
        out.array(answer.chatEvents)
        out.write(#","removed":"#)
        out.uuids(answer.removedChats)
        out.write(#"},"users":{"new":"#)
        out.array(answer.newUsers)
        out.write(#","events":"#)
        out.array(answer.userEvents)
        out.write(#","removed":"#)
        out.uuids(answer.removedUsers)
        out.write(#"},"messages":"#)
        out.array(answer.messages)
        out.write(#","local":"#)
        out.array(answer.localEvents)
        out.write(#","localState":"#)
        out.write(answer.localState ?? "null")
        out.tail(answer, retryAfterMs: retryAfterMs)
        return out.response
    }

    /// `GET /user/initialize`: the same computation for a device with nothing, in initialize's shape.
    static func initialize(_ answer: SyncAnswer, retryAfterMs: Int) -> Response {
        var out = SyncResponse(capacity: answer.estimatedBytes)
        out.write(#"{"success":true,"data":{"local":"#)
        out.write(answer.localState ?? "null")
        out.write(#","users":"#)
        out.array(answer.newUsers)
        out.write(#","chats":"#)
        out.array(answer.newChats)
        out.write(#","messages":"#)
        out.array(answer.messages)
        out.tail(answer, retryAfterMs: retryAfterMs)
        return out.response
    }

    /// `GET /chat/history`.
    /// A per-chat page (`/chat/history`'s messages, `/chat/members`' members): `{key: [...], hasMore}`.
    static func page(_ key: String, _ items: [String], hasMore: Bool) -> Response {
        var out = SyncResponse(capacity: 64 + items.reduce(0) { $0 + $1.utf8.count + 1 })
        out.write(#"{"success":true,"data":{"\#(key)":"#)
        out.array(items)
        out.write(#","hasMore":\#(hasMore)}}"#)
        return out.response
    }

    private mutating func tail(_ answer: SyncAnswer, retryAfterMs: Int) {
        write(#","hasMore":\#(answer.hasMore),"retryAfterMs":\#(answer.lagging ? retryAfterMs : 0)}}"#)
    }

    private mutating func write(_ text: String) {
        buffer.writeString(text)
    }

    private mutating func array(_ fragments: [String]) {
        buffer.writeInteger(UInt8(ascii: "["))
        for (index, fragment) in fragments.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeString(fragment)
        }
        buffer.writeInteger(UInt8(ascii: "]"))
    }

    private mutating func uuids(_ values: [UUID]) {
        array(values.map { "\"\($0.uuidString.lowercased())\"" })
    }

    private var response: Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: buffer)
        )
    }
}

extension SyncAnswer {
    /// Roughly the answer's size, so the buffer is allocated once.
    var estimatedBytes: Int {
        let parts = [newChats, chatEvents, newUsers, userEvents, messages, localEvents]
        return 256 + parts.reduce(0) { $0 + $1.reduce(0) { $0 + $1.utf8.count + 1 } } + (localState?.utf8.count ?? 4)
            + 40 * (removedChats.count + removedUsers.count)
    }
}
