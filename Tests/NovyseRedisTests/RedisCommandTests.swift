import NovyseRedis
import Testing

@Suite("Commands against a real redis-server")
struct RedisCommandTests {
    @Test("streams, plain keys, sets and publish round-trip")
    func roundTrip() async throws {
        try await withRedis { _, redis in
            try await redis.ping()

            var ids: [String] = []
            for index in 0..<5 {
                ids.append(try await redis.xadd("events", maxLengthApprox: 1000, fields: [("type", "message"), ("n", "\(index)")]))
            }
            let entries = try await redis.xrange("events")
            #expect(entries.map(\.id) == ids)
            #expect(entries.map { $0.fields["n"] } == ["0", "1", "2", "3", "4"])
            #expect(entries[2].fields == ["type": "message", "n": "2"])
            #expect(try await redis.xlen("events") == 5)
            #expect(try await redis.xrange("events", start: ids[1], end: ids[3]).map(\.id) == Array(ids[1...3]))
            #expect(try await redis.xrange("events", count: 2).map(\.id) == Array(ids[0..<2]))
            #expect(try await redis.xadd("events", id: "99999999999999-0", fields: [("n", "last")]) == "99999999999999-0")
            #expect(try await redis.xrange("missing") == [])
            #expect(try await redis.xlen("missing") == 0)

            #expect(try await redis.set("key", "value", expiresIn: .seconds(30)))
            #expect(try await redis.get("key") == "value")
            let ttl = try await redis.send(["PTTL", "key"])
            guard case .integer(let milliseconds) = ttl else {
                Issue.record("PTTL returned \(ttl)")
                return
            }
            #expect((1...30_000).contains(milliseconds))
            #expect(try await redis.set("key", "other", onlyIfAbsent: true) == false)
            #expect(try await redis.get("key") == "value")
            #expect(try await redis.set("fresh", "1", expiresIn: .seconds(5), onlyIfAbsent: true))
            #expect(try await redis.del(["key", "fresh", "missing"]) == 2)
            #expect(try await redis.get("key") == nil)
            #expect(try await redis.del([]) == 0)

            #expect(try await redis.sadd("members", ["a", "b", "c", "a"]) == 3)
            #expect(Set(try await redis.smembers("members")) == ["a", "b", "c"])
            #expect(try await redis.srem("members", ["b", "zz"]) == 1)
            #expect(Set(try await redis.smembers("members")) == ["a", "c"])
            #expect(try await redis.smembers("nobody") == [])
            #expect(try await redis.sadd("members", []) == 0)
            #expect(try await redis.expire("members", after: .seconds(60)))
            #expect(try await redis.expire("nobody", after: .seconds(60)) == false)
            guard case .integer(let setTTL) = try await redis.send(["PTTL", "members"]) else {
                Issue.record("PTTL did not return an integer")
                return
            }
            #expect((1...60_000).contains(setTTL))

            #expect(try await redis.publish("chat:1", "hello") == 0)
        }
    }

    @Test("arguments and values are binary-safe")
    func binarySafety() async throws {
        try await withRedis { _, redis in
            let tricky = "spaces and\r\nCRLF\u{0}NUL, ünïcödé ✓ 🚀 $5\r\n"
            try await redis.set(tricky, tricky)
            #expect(try await redis.get(tricky) == tricky)
            try await redis.set("empty", "")
            #expect(try await redis.get("empty") == "")
            let id = try await redis.xadd("s", fields: [(tricky, ""), ("", tricky)])
            #expect(try await redis.xrange("s") == [RedisStreamEntry(id: id, fields: [tricky: "", "": tricky])])
        }
    }

    @Test("error replies become typed server errors and leave the connection usable")
    func serverErrors() async throws {
        try await withRedis(poolSize: 1) { _, redis in
            let unknown = await #expect(throws: RedisError.self) { try await redis.send(["NOSUCHCOMMAND", "x"]) }
            guard case .server(let kind, let message)? = unknown else {
                Issue.record("expected a server error, got \(String(describing: unknown))")
                return
            }
            #expect(kind == "ERR")
            #expect(message.lowercased().contains("unknown command"))
            #expect(unknown?.code == "REDIS_SERVER_ERROR")

            try await redis.set("text", "x")
            let wrongType = await #expect(throws: RedisError.self) { try await redis.sadd("text", ["a"]) }
            #expect(wrongType.flatMap(Self.kind) == "WRONGTYPE")

            let noGroup = await #expect(throws: RedisError.self) {
                try await redis.xreadgroup(group: "nobody", consumer: "c", streams: [(key: "nostream", id: ">")])
            }
            #expect(noGroup.flatMap(Self.kind) == "NOGROUP")

            let empty = await #expect(throws: RedisError.self) { try await redis.send([]) }
            #expect(empty.flatMap(Self.kind) == "ERR")

            // The same (only) connection still works after every error above.
            try await redis.ping()
            #expect(try await redis.get("text") == "x")
        }
    }

    private static func kind(_ error: RedisError) -> String? {
        if case .server(let kind, _) = error { return kind }
        return nil
    }

    @Test("200 concurrent calls share a pool of 4 connections")
    func concurrency() async throws {
        try await withRedis(poolSize: 4) { _, redis in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        try await redis.set("key:\(index)", "value:\(index)")
                        let value = try await redis.get("key:\(index)")
                        #expect(value == "value:\(index)")
                        _ = try await redis.send(["INCR", "counter"])
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await redis.get("counter") == "200")
            let connected = try await infoField("connected_clients", section: "clients", from: redis)
            #expect(connected.map { $0 <= 4 } == true, "at most poolSize connections, got \(String(describing: connected))")
        }
    }
}
