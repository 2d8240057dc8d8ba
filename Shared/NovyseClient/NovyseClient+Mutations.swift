import Foundation
import NIOHTTP1
import NovyseCore

/// The answer of a mutation: the IDs it created (`messageID`, `eventID`, `chatUUID`, …).
public struct MutationResult: Sendable, Equatable {
    /// The answer's `data` object.
    public let data: [String: JSONValue]
    /// The server returned the stored answer of an earlier attempt with the same `Idempotency-Key`.
    public let replayed: Bool
    /// How many requests it took (more than 1 after lost answers or outages).
    public let attempts: Int

    /// The ID of a created message, when there is one.
    public var messageID: Int64? { data["messageID"]?.int64Value }
    /// The ID of a created event, when there is one.
    public var eventID: Int64? { data["eventID"]?.int64Value }
}

/// Mutations through the command service. Each call draws one `Idempotency-Key` and keeps it across its
/// retries, so an answer lost on the way back is retried without writing twice: the server replays the
/// stored answer. Messages also carry a `clientMessageID` (pass your own to retry across app restarts).
///
/// The mirror is not changed here: the change comes back like everyone else's, through the socket or the
/// next update cycle, in stream order.
extension NovyseClient {
    /// Sends a generic mutation with retries under one `Idempotency-Key` (a fresh one unless given).
    public func mutate(
        _ method: String, _ path: String, body: [String: JSONValue], idempotencyKey: String = UUID().uuidString
    ) async throws -> MutationResult {
        let attempts = LockedState(0)
        let api = api
        let base = configuration.commandURL
        let answer = try await withRetries(attempts: configuration.mutationAttempts) {
            attempts.withLock { $0 += 1 }
            return try await api.send(HTTPMethod(rawValue: method), base: base, path: path, body: .object(body), idempotencyKey: idempotencyKey)
        }
        return MutationResult(data: answer.data, replayed: answer.replayed, attempts: attempts.withLock { $0 })
    }

    /// `POST /chat/create`; the answer's `chatUUID` names the chat.
    public func createChat(type: ChatType, members: [UUID], name: String? = nil) async throws -> UUID {
        var body: [String: JSONValue] = ["type": .string(type.rawValue), "memberUUIDs": .array(members.map { .string($0.key) })]
        if let name { body["name"] = .string(name) }
        let result = try await mutate("POST", "/chat/create", body: body)
        guard let chat = result.data["chatUUID"]?.uuidValue else { throw NovyseClientError.malformed("chat/create without chatUUID") }
        return chat
    }

    /// `POST /message`. Resending with the same `clientMessageID` returns the original message.
    public func sendMessage(_ content: String, in chat: UUID, clientMessageID: UUID = UUID()) async throws -> MutationResult {
        try await mutate(
            "POST", "/message",
            body: [
                "chatUUID": .string(chat.key), "content": .string(content), "clientMessageID": .string(clientMessageID.key),
            ])
    }

    /// `PATCH /message` (the author only).
    public func editMessage(_ message: Int64, in chat: UUID, content: String) async throws -> MutationResult {
        try await mutate("PATCH", "/message", body: ["chatUUID": .string(chat.key), "messageID": .integer(message), "content": .string(content)])
    }

    /// `DELETE /message` (the author, or an admin of a group or channel).
    public func deleteMessage(_ message: Int64, in chat: UUID) async throws -> MutationResult {
        try await mutate("DELETE", "/message", body: ["chatUUID": .string(chat.key), "messageID": .integer(message)])
    }

    /// `PUT`/`DELETE /message/reaction`.
    public func react(_ reaction: String, to message: Int64, in chat: UUID, add: Bool = true) async throws -> MutationResult {
        try await mutate(
            add ? "PUT" : "DELETE", "/message/reaction",
            body: [
                "chatUUID": .string(chat.key), "messageID": .integer(message), "reaction": .string(reaction),
            ])
    }

    /// `PUT`/`DELETE /message/pin`.
    public func pinMessage(_ message: Int64, in chat: UUID, pinned: Bool = true) async throws -> MutationResult {
        try await mutate(pinned ? "PUT" : "DELETE", "/message/pin", body: ["chatUUID": .string(chat.key), "messageID": .integer(message)])
    }

    /// `PUT /chat/members/role` (the owner of a group or channel; `.owner` hands ownership over).
    public func setRole(_ role: MemberRole, of user: UUID, in chat: UUID) async throws -> MutationResult {
        try await mutate(
            "PUT", "/chat/members/role",
            body: [
                "chatUUID": .string(chat.key), "userUUID": .string(user.key), "role": .string(role.rawValue),
            ])
    }

    /// `POST /chat/members` (admins of a group or channel).
    public func addMember(_ user: UUID, to chat: UUID) async throws -> MutationResult {
        try await mutate("POST", "/chat/members", body: ["chatUUID": .string(chat.key), "userUUID": .string(user.key)])
    }

    /// `DELETE /chat/members` (admins of a group or channel).
    public func removeMember(_ user: UUID, from chat: UUID) async throws -> MutationResult {
        try await mutate("DELETE", "/chat/members", body: ["chatUUID": .string(chat.key), "userUUID": .string(user.key)])
    }

    /// `POST /chat/leave`.
    public func leaveChat(_ chat: UUID) async throws -> MutationResult {
        try await mutate("POST", "/chat/leave", body: ["chatUUID": .string(chat.key)])
    }

    /// `PATCH /user/profile` with any of the eight profile fields (`null` clears the optional ones).
    public func updateProfile(_ fields: [String: JSONValue]) async throws -> MutationResult {
        try await mutate("PATCH", "/user/profile", body: fields)
    }

    /// `PUT`/`DELETE /chat/pin`: pins a chat at `position`, or unpins it when `position` is nil.
    public func pinChat(_ chat: UUID, position: Int?) async throws -> MutationResult {
        if let position {
            return try await mutate("PUT", "/chat/pin", body: ["chatUUID": .string(chat.key), "position": .integer(Int64(position))])
        }
        return try await mutate("DELETE", "/chat/pin", body: ["chatUUID": .string(chat.key)])
    }

    /// `PUT`/`DELETE /chat/mute`: mutes (optionally until an ISO-8601 time), or unmutes when `muted` is false.
    public func muteChat(_ chat: UUID, muted: Bool = true, until: String? = nil) async throws -> MutationResult {
        guard muted else { return try await mutate("DELETE", "/chat/mute", body: ["chatUUID": .string(chat.key)]) }
        var body: [String: JSONValue] = ["chatUUID": .string(chat.key)]
        if let until { body["until"] = .string(until) }
        return try await mutate("PUT", "/chat/mute", body: body)
    }

    /// `PUT /user/theme`.
    public func setTheme(_ theme: String) async throws -> MutationResult {
        try await mutate("PUT", "/user/theme", body: ["theme": .string(theme)])
    }

    /// `PUT /folder` (create or replace) or, with `chats` nil, `DELETE /folder`.
    public func putFolder(_ folderID: String, name: String = "", chats: [UUID]?) async throws -> MutationResult {
        guard let chats else { return try await mutate("DELETE", "/folder", body: ["folderID": .string(folderID)]) }
        return try await mutate(
            "PUT", "/folder",
            body: [
                "folderID": .string(folderID), "name": .string(name), "chatUUIDs": .array(chats.map { .string($0.key) }),
            ])
    }
}
