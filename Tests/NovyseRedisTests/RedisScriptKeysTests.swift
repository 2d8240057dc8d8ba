import Foundation
import NovyseRedis
import TestSupport
import Testing

/// Every script touches only the keys it is passed as `KEYS`: each is run the way its call site runs it,
/// on an empty Redis, and afterwards Redis holds no key but those. (A key built inside Lua would show up
/// here; on Redis Cluster it would be refused.)
@Suite("Lua scripts touch only their KEYS")
struct RedisScriptKeysTests {
    static let keyspace = RedisKeyspace(prefix: "t")
    static let members = ["\(UUID().uuidString.lowercased()):phone", "\(UUID().uuidString.lowercased()):tablet"]

    @Test("every script is covered here")
    func everyScriptIsCovered() {
        let covered = [
            RedisScripts.publishPipeline, RedisScripts.wakeupEnqueue, RedisScripts.wakeupReleaseTrailing,
            RedisScripts.presenceSet, RedisScripts.presenceRelease, RedisScripts.rateLimitTake,
        ].map(\.name)
        #expect(Set(covered) == Set(RedisScripts.all.map(\.name)))
    }

    @Test("publish-pipeline writes only its partition streams")
    func publishPipeline() async throws {
        try await withRedis { _, redis in
            let keys = [Self.keyspace.pipeline(partition: 0), Self.keyspace.pipeline(partition: 3)]
            let reply = try await redis.run(
                RedisScripts.publishPipeline, keys: keys, arguments: ["100", "1", "item", "a", "2", "item", "b", "at", "7"]
            )
            guard case .array(let ids) = reply else { throw RedisError.unexpectedReply("\(reply)") }
            #expect(ids.count == 2)
            #expect(try await redis.xrange(keys[1]).map(\.fields) == [["item": "b", "at": "7"]])
            try await Self.expectOnly(keys, on: redis)
        }
    }

    @Test("wakeup-enqueue and wakeup-release-trailing write only the stream, the trailing set and the windows")
    func wakeups() async throws {
        try await withRedis { _, redis in
            let windows = Self.members.map(Self.keyspace.wakeupWindow(member:))
            let keys = [Self.keyspace.wakeups, Self.keyspace.wakeupsTrailing] + windows
            let arguments = ["60000", "1000"] + Self.members
            #expect(try await redis.run(RedisScripts.wakeupEnqueue, keys: keys, arguments: arguments) == .integer(2))
            // Within the window: coalesced into the trailing set.
            #expect(try await redis.run(RedisScripts.wakeupEnqueue, keys: keys, arguments: arguments) == .integer(0))
            #expect(try await redis.send(["ZCARD", Self.keyspace.wakeupsTrailing]) == .integer(2))

            // Not due yet: left alone.
            #expect(try await redis.run(RedisScripts.wakeupReleaseTrailing, keys: keys, arguments: arguments) == .integer(0))
            // The first one's window ended (score in the past); the second is still waiting.
            _ = try await redis.send(["ZADD", Self.keyspace.wakeupsTrailing, "XX", "1", Self.members[0]])
            #expect(try await redis.run(RedisScripts.wakeupReleaseTrailing, keys: keys, arguments: arguments) == .integer(1))
            #expect(try await redis.send(["ZCARD", Self.keyspace.wakeupsTrailing]) == .integer(1))
            let kinds = try await redis.xrange(Self.keyspace.wakeups).map { $0.fields["kind"] ?? "" }
            #expect(kinds == ["leading", "leading", "trailing"])
            // Released already (by this or another process): not released twice.
            let first = [Self.keyspace.wakeups, Self.keyspace.wakeupsTrailing, windows[0]]
            let again = try await redis.run(
                RedisScripts.wakeupReleaseTrailing, keys: first, arguments: ["60000", "1000", Self.members[0]]
            )
            #expect(again == .integer(0))
            try await Self.expectOnly(keys, on: redis)
        }
    }

    @Test("presence-set and presence-release write only the presence keys")
    func presence() async throws {
        try await withRedis { _, redis in
            let keys = [Self.keyspace.presence(user: UUID(), device: "phone"), Self.keyspace.presence(user: UUID(), device: "tablet")]
            #expect(try await redis.run(RedisScripts.presenceSet, keys: keys, arguments: ["fanout-1", "60000"]) == .integer(2))
            try await Self.expectOnly(keys, on: redis)
            #expect(try await redis.run(RedisScripts.presenceRelease, keys: [keys[0]], arguments: ["fanout-2"]) == .integer(0))
            #expect(try await redis.run(RedisScripts.presenceRelease, keys: [keys[0]], arguments: ["fanout-1"]) == .integer(1))
            try await Self.expectOnly([keys[1]], on: redis)
        }
    }

    @Test("rate-limit-take writes only its bucket")
    func rateLimit() async throws {
        try await withRedis { _, redis in
            let key = Self.keyspace.rateLimit(.address("203.0.113.7"))
            let reply = try await redis.run(RedisScripts.rateLimitTake, keys: [key], arguments: ["0.001", "1"])
            #expect(reply == .array([.integer(1), .integer(0)]))
            let refused = try await redis.run(RedisScripts.rateLimitTake, keys: [key], arguments: ["0.001", "1"])
            guard case .array(let parts) = refused, parts.first == .integer(0) else {
                Issue.record("the second take of a burst of 1 was allowed: \(refused)")
                return
            }
            try await Self.expectOnly([key], on: redis)
        }
    }

    /// Redis holds exactly the keys in `expected`, no other.
    static func expectOnly(_ expected: [String], on redis: RedisClient, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        guard case .array(let values) = try await redis.send(["KEYS", "*"]) else {
            Issue.record("KEYS * did not answer an array", sourceLocation: sourceLocation)
            return
        }
        let present = Set(
            values.compactMap { value -> String? in
                if case .string(let key) = value { return key }
                return nil
            })
        #expect(present == Set(expected), sourceLocation: sourceLocation)
    }
}
