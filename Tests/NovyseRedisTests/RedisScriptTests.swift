import Foundation
import NovyseRedis
import TestSupport
import Testing

/// Scripts by SHA1 against a real redis-server: loaded once, run by `EVALSHA`, recovered after Redis forgot
/// them, and touching no key but those passed as `KEYS` (what Redis Cluster needs).
@Suite("Lua scripts run by EVALSHA against a real redis-server")
struct RedisScriptTests {
    static let keyspace = RedisKeyspace(prefix: "t")

    @Test("every script's SHA1 is the one Redis computes")
    func sha1MatchesRedis() async throws {
        try await withRedis { _, redis in
            for script in RedisScripts.all {
                let reply = try await redis.send(["SCRIPT", "LOAD", script.source])
                #expect(reply == .string(script.sha1), "\(script.name)")
                // `load` checks the same itself.
                try await redis.load(script)
            }
            #expect(Set(RedisScripts.all.map(\.sha1)).count == RedisScripts.all.count, "every script is distinct")
        }
    }

    @Test("after SCRIPT FLUSH and after a restart, the next call loads the script again and succeeds")
    func noscriptIsRecovered() async throws {
        try await withRedis { server, redis in
            let key = Self.keyspace.presence(user: UUID(), device: "phone")
            let script = RedisScripts.presenceSet
            #expect(try await redis.run(script, keys: [key], arguments: ["a", "60000"]) == .integer(1))
            #expect(try await redis.send(["SCRIPT", "EXISTS", script.sha1]) == .array([.integer(1)]))

            _ = try await redis.send(["SCRIPT", "FLUSH"])
            #expect(try await redis.send(["SCRIPT", "EXISTS", script.sha1]) == .array([.integer(0)]))
            #expect(try await redis.run(script, keys: [key], arguments: ["b", "60000"]) == .integer(1))
            #expect(try await redis.get(key) == "b")
            #expect(try await redis.send(["SCRIPT", "EXISTS", script.sha1]) == .array([.integer(1)]), "loaded again")

            // The test Redis keeps nothing across a restart, scripts included.
            try await server.restart()
            try await TestDeadline.waitUntil("Redis back after the restart") { (try? await redis.ping()) != nil }
            #expect(try await redis.run(script, keys: [key], arguments: ["c", "60000"]) == .integer(1))
            #expect(try await redis.get(key) == "c")
        }
    }

    @Test("once loaded, scripts run by EVALSHA: no call sends the script's text with EVAL")
    func runsByEvalsha() async throws {
        try await withRedis { _, redis in
            _ = try await redis.send(["CONFIG", "RESETSTAT"])
            let key = Self.keyspace.rateLimit(.user(UUID()))
            for _ in 0..<5 {
                _ = try await redis.run(RedisScripts.rateLimitTake, keys: [key], arguments: ["0.001", "10"])
            }
            #expect((5...6).contains(try await Self.calls("evalsha", on: redis)), "one per call, plus the first NOSCRIPT miss")
            #expect(try await Self.calls("eval", on: redis) == 0)
            #expect(try await Self.calls("script|load", on: redis) == 1, "loaded once")
        }
    }

    @Test("an error raised by Redis inside a script is thrown as a server error, not retried as NOSCRIPT")
    func scriptErrorsAreThrown() async throws {
        try await withRedis { _, redis in
            let key = Self.keyspace.wakeups
            _ = try await redis.send(["SET", key, "not a stream"])
            let error = await #expect(throws: RedisError.self) {
                _ = try await redis.run(RedisScripts.publishPipeline, keys: [key], arguments: ["100", "1", "f", "v"])
            }
            guard case .server(let kind, _)? = error else {
                Issue.record("expected a server error, got \(String(describing: error))")
                return
            }
            #expect(kind == "WRONGTYPE")
        }
    }

    /// `calls=` of `cmdstat_<command>` in `INFO commandstats`; 0 when the command never ran.
    static func calls(_ command: String, on redis: RedisClient) async throws -> Int {
        guard case .string(let text) = try await redis.send(["INFO", "commandstats"]) else { return 0 }
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_\(command):") {
            guard let range = line.range(of: "calls=") else { return 0 }
            return Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0
        }
        return 0
    }
}
