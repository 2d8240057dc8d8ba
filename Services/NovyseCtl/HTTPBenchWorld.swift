import Foundation
import NovyseCore
import NovyseDevServers

/// The workload `bench http` measures, seeded through the command API: a reader in `chats` group chats with
/// one peer, `messages` messages from the peer in each, then a delta of `delta` more messages and one
/// reaction per chat that a device holding the first state (`before`) has not seen.
struct HTTPBenchWorld: Sendable {
    let reader: String
    let peer: String
    let chats: [UUID]
    /// The peer's first message in each chat (the one the edit and reaction measurements touch).
    let firstMessages: [Int64]
    /// The body of an update from a device that initialized before the delta: ~`chats × (delta + 1)` items.
    let before: [UInt8]
    /// The body of an update from a device that holds everything: the empty update.
    let current: [UInt8]
    let initializeBytes: Int

    static func seed(_ stack: BenchStack, chats count: Int, messages: Int, delta: Int) async throws -> HTTPBenchWorld {
        let run = UInt32.random(in: 0...UInt32.max)
        let reader = try await stack.user("hb\(run)r")
        let peer = try await stack.user("hb\(run)p")
        let port = stack.commandPort
        let chats = try await HTTPLoad.onThread {
            let connection = try KeepAliveConnection(port: port)
            return try (0..<count).map { _ in
                let body = try JSONEncoder().encode(CreateChatRequest(type: .group, memberUUIDs: [peer.id], name: "bench"))
                let data = try call(connection, "POST", "/chat/create", token: reader.token, body: Array(body))
                guard let id = data["chatUUID"]?.stringValue.flatMap(UUID.init(uuidString:)) else {
                    throw DevServerError.notReady("chat creation answered \(data)")
                }
                return id
            }
        }
        let first = try await sendAll(port: port, chats: chats, each: messages, token: peer.token)
        let before = try await waitForProjection(stack, reader: reader.token, messages: chats.count * messages)
        _ = try await sendAll(port: port, chats: chats, each: delta, token: peer.token)
        try await react(port: port, chats: chats, to: first, token: peer.token)
        let current = try await waitForProjection(stack, reader: reader.token, messages: chats.count * (messages + delta))
        return HTTPBenchWorld(
            reader: reader.token, peer: peer.token, chats: chats, firstMessages: first, before: before.body,
            current: current.body, initializeBytes: current.bytes)
    }

    /// `each` messages from `token` in every chat, over four connections; the first message ID of each chat.
    static func sendAll(port: Int, chats: [UUID], each: Int, token: String) async throws -> [Int64] {
        let lanes = 4
        return try await withThrowingTaskGroup(of: [(Int, Int64)].self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    try await HTTPLoad.onThread {
                        let connection = try KeepAliveConnection(port: port)
                        var firsts: [(Int, Int64)] = []
                        for index in stride(from: lane, to: chats.count, by: lanes) {
                            for number in 0..<each {
                                let body = try JSONEncoder().encode(
                                    SendMessageRequest(chatUUID: chats[index], content: "seed \(number)", clientMessageID: UUID()))
                                let data = try call(connection, "POST", "/message", token: token, body: Array(body))
                                if number == 0, let id = data["messageID"]?.int64Value { firsts.append((index, id)) }
                            }
                        }
                        return firsts
                    }
                }
            }
            var ids = [Int64](repeating: 0, count: chats.count)
            for try await firsts in group { for (index, id) in firsts { ids[index] = id } }
            return ids
        }
    }

    static func react(port: Int, chats: [UUID], to messages: [Int64], token: String) async throws {
        try await HTTPLoad.onThread {
            let connection = try KeepAliveConnection(port: port)
            for (chat, message) in zip(chats, messages) {
                let body = try JSONEncoder().encode(ReactionRequest(chatUUID: chat, messageID: message, reaction: "👍"))
                _ = try call(connection, "PUT", "/message/reaction", token: token, body: Array(body))
            }
        }
    }

    /// Waits until initialize shows `messages` messages with no lag, and returns the update body of a device
    /// that initialized then (its cursors) and the initialize answer's size.
    static func waitForProjection(_ stack: BenchStack, reader: String, messages: Int) async throws -> (body: [UInt8], bytes: Int) {
        let port = stack.queryPort
        var result: (body: [UInt8], bytes: Int)?
        try await Network.waitUntil("the projection of \(messages) messages", timeout: .seconds(300)) {
            let answer = try? await HTTPLoad.onThread {
                let connection = try KeepAliveConnection(port: port)
                return try connection.request("GET", "/user/initialize?limit=100000", headers: ["Authorization": "Bearer \(reader)"])
            }
            guard let answer, answer.status == 200,
                let root = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body.utf8)),
                let data = root["data"]?.objectValue,
                data["retryAfterMs"]?.int64Value == 0, data["messages"]?.arrayValue?.count == messages
            else { return false }
            result = (updateBody(data), answer.body.utf8.count)
            return true
        }
        guard let result else { throw DevServerError.notReady("the projection never caught up with \(messages) messages") }
        return result
    }

    /// The `POST /user/update` body of a device whose mirror is this initialize answer.
    static func updateBody(_ data: [String: JSONValue]) -> [UInt8] {
        let local = data["local"]?.objectValue?["user"]?.objectValue?["eventID"] ?? 0
        let chats = (data["chats"]?.arrayValue ?? []).compactMap(\.objectValue).map { chat -> JSONValue in
            ["chatUUID": chat["uuid"] ?? .null, "eventID": chat["eventID"] ?? 0, "messageID": chat["messageID"] ?? 0]
        }
        let users = (data["users"]?.arrayValue ?? []).compactMap(\.objectValue).map { user -> JSONValue in
            ["userUUID": user["uuid"] ?? .null, "profileEventID": user["profileEventID"] ?? 0]
        }
        let body: JSONValue = ["local": ["eventID": local], "chats": .array(chats), "users": .array(users), "limit": 10_000]
        return Array(body.jsonText.utf8)
    }

    /// A command call that must succeed; its `data`.
    static func call(
        _ connection: KeepAliveConnection, _ method: String, _ path: String, token: String, body: [UInt8]
    ) throws -> [String: JSONValue] {
        let answer = try connection.request(
            method, path, headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: body)
        guard answer.status == 200, let root = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body.utf8)),
            let data = root["data"]?.objectValue
        else { throw DevServerError.notReady("\(method) \(path) answered \(answer.status) \(answer.body.prefix(300))") }
        return data
    }
}
