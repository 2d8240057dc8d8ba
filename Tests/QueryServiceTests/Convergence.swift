import Foundation
import NovyseCore
import TestSupport
import Testing

/// What "the device equals the server" means: a fresh initialize for the same user, plus every message of
/// every chat through history (initialize carries only the latest ones), compared with the device's mirror.
extension QueryFixture {
    /// The server's state for `user` as a mirror: initialize, with each chat's full history added.
    func canonical(_ user: TestUser) async throws -> (mirror: Mirror, latest: Set<Int64>, history: [Int64: [String: JSONValue]]) {
        var mirror = Mirror(me: user.id)
        let data = try await initialize(user)
        #expect(data["hasMore"] == .bool(false), "the canonical initialize must fit one answer")
        mirror.applyInitialize(data)
        let latest = Set(mirror.messages.keys)
        var history: [Int64: [String: JSONValue]] = [:]
        for chat in mirror.chats.keys {
            for message in try await fullHistory(chat, as: user) {
                if let id = message["id"]?.int64 { history[id] = Mirror.normalMessage(message) }
            }
        }
        return (mirror, latest, history)
    }

    /// Every way `device` differs from the server's state for `user` (empty when it converged).
    func divergence(of device: Mirror, for user: TestUser) async throws -> [String] {
        let server = try await canonical(user)
        var expected = server.mirror
        var out: [String] = []
        // Messages: the device holds each chat's latest ones and everything newer than the oldest it holds,
        // each exactly as the server has it now.
        var oldestHeld: [UUID: Int64] = [:]
        for (id, message) in device.messages {
            guard let chat = message["chatUUID"]?.uuid else { continue }
            oldestHeld[chat] = min(oldestHeld[chat] ?? id, id)
            if let current = server.history[id] { expected.messages[id] = current } else { out.append("message \(id) is not on the server") }
        }
        for id in server.latest where device.messages[id] == nil { out.append("missing latest message \(id)") }
        for (id, message) in server.history {
            guard let chat = message["chatUUID"]?.uuid, let oldest = oldestHeld[chat], id > oldest else { continue }
            if device.messages[id] == nil { out.append("missing message \(id) of chat \(chat)") }
        }
        expected.messages = expected.messages.filter { device.messages[$0.key] != nil }
        out += device.differences(from: expected)
        return out
    }

    /// Runs update cycles until the answer says there is no more (bounded), applying each to `device`.
    /// Returns how many answers it took.
    @discardableResult
    func sync(_ device: inout Mirror, as user: TestUser, limit: Int? = nil, maxRounds: Int = 10_000) async throws -> Int {
        for round in 1...maxRounds {
            let data = try await update(user, body: device.updateBody(limit: limit))
            device.applyUpdate(data)
            if data["hasMore"] != .bool(true) { return round }
        }
        throw HarnessError("update did not finish within \(maxRounds) answers")
    }

    /// A device that initialized now.
    func freshDevice(_ user: TestUser, limit: Int? = nil) async throws -> Mirror {
        var device = Mirror(me: user.id)
        device.applyInitialize(try await initialize(user, limit: limit))
        return device
    }

    /// A second token of `user`, for another of its devices.
    func token(for user: TestUser, device: String) async throws -> TestUser {
        let issued = try await command.call(
            "POST", "/admin/tokens", admin: true, json: #"{"userUUID":"\#(user.id.uuidString)","deviceID":"\#(device)"}"#
        )
        guard case .string(let token)? = issued.data["token"] else { throw HarnessError("token: \(issued.body)") }
        return TestUser(id: user.id, handle: user.handle, token: token)
    }
}
