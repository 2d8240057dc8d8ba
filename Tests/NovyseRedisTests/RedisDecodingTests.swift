import Testing

@testable import NovyseRedis

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reply shapes that a single Redis version cannot produce on demand (Redis 6.2 replies, deleted
/// entries), checked without a server.
@Suite("Reply decoding")
struct RedisDecodingTests {
    @Test("error replies split into kind and message")
    func serverErrors() {
        #expect(RedisError(serverReply: "WRONGTYPE Operation against a key") == .server(kind: "WRONGTYPE", message: "Operation against a key"))
        #expect(RedisError(serverReply: "NOGROUP No such key") == .server(kind: "NOGROUP", message: "No such key"))
        #expect(RedisError(serverReply: "BUSYGROUP") == .server(kind: "BUSYGROUP", message: ""))
        #expect(RedisError(serverReply: "something lower-case went wrong") == .server(kind: "ERR", message: "something lower-case went wrong"))
        #expect(RedisError(serverReply: "") == .server(kind: "ERR", message: ""))
    }

    @Test("error codes are stable")
    func codes() {
        #expect(RedisError.connectionFailed("x").code == "REDIS_UNAVAILABLE")
        #expect(RedisError.io("x").code == "REDIS_UNAVAILABLE")
        #expect(RedisError.timeout.code == "REDIS_TIMEOUT")
        #expect(RedisError.server(kind: "ERR", message: "x").code == "REDIS_SERVER_ERROR")
        #expect(RedisError.unexpectedReply("x").code == "REDIS_UNEXPECTED_REPLY")
        #expect(RedisError.invalidURL("x").code == "REDIS_INVALID_URL")
        #expect(RedisError.shutDown.code == "REDIS_SHUT_DOWN")
        #expect(RedisError.server(kind: "WRONGTYPE", message: "bad").description == "WRONGTYPE bad")
    }

    @Test("BLOCK is found before STREAMS only")
    func blockTime() {
        #expect(RedisClient.blockTime(in: ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "250", "STREAMS", "k", ">"]) == .milliseconds(250))
        #expect(RedisClient.blockTime(in: ["xread", "count", "1", "block", "10", "streams", "k", "$"]) == .milliseconds(10))
        #expect(RedisClient.blockTime(in: ["XREAD", "STREAMS", "BLOCK", "99"]) == nil)
        #expect(RedisClient.blockTime(in: ["XREAD", "BLOCK", "0", "STREAMS", "k", "$"]) == nil)
        #expect(RedisClient.blockTime(in: ["GET", "BLOCK", "10"]) == nil)
        #expect(RedisClient.blockTime(in: []) == nil)
    }

    @Test("durations saturate instead of trapping")
    func durations() {
        #expect(Duration.milliseconds(1500).redisMilliseconds == 1500)
        #expect(Duration.microseconds(999).redisMilliseconds == 0)
        #expect(Duration.seconds(-3).redisMilliseconds == 0)
        #expect(Duration.seconds(Int64.max).redisMilliseconds == Int.max)
        #expect(Duration.zero.socketTimeout.tv_usec == 1000)
        #expect(Duration.milliseconds(2500).socketTimeout.tv_sec == 2)
        #expect(Duration.milliseconds(2500).socketTimeout.tv_usec == 500_000)
    }

    @Test("entries with nil fields are skipped and odd field lists rejected")
    func streamEntries() throws {
        let reply = RedisValue.array([
            .array([.string("1-0"), .null]),
            .array([.string("2-0"), .array([.string("a"), .string("1"), .string("b"), .string("2")])]),
        ])
        #expect(try RedisStreamEntry.decodeList(reply) == [RedisStreamEntry(id: "2-0", fields: ["a": "1", "b": "2"])])
        #expect(try RedisStreamEntry.decodeList(.null) == [])
        #expect(throws: RedisError.self) {
            try RedisStreamEntry.decodeList(.array([.array([.string("3-0"), .array([.string("a")])])]))
        }
    }

    @Test("XAUTOCLAIM replies of Redis 6.2 (two elements) and 7 (three)")
    func autoClaim() throws {
        let entries = RedisValue.array([.array([.string("5-0"), .array([.string("k"), .string("v")])])])
        let redis62 = try RedisAutoClaimResult.decode(.array([.string("0-0"), entries]))
        #expect(redis62 == RedisAutoClaimResult(nextStart: "0-0", entries: [RedisStreamEntry(id: "5-0", fields: ["k": "v"])], deletedIDs: []))
        let redis7 = try RedisAutoClaimResult.decode(.array([.string("6-0"), entries, .array([.string("4-0")])]))
        #expect(redis7.nextStart == "6-0")
        #expect(redis7.deletedIDs == ["4-0"])
        #expect(throws: RedisError.self) { try RedisAutoClaimResult.decode(.array([.string("0-0")])) }
        #expect(throws: RedisError.self) { try RedisAutoClaimResult.decode(.integer(3)) }
    }

    @Test("XPENDING summary with nothing pending")
    func pendingSummary() throws {
        let empty = try RedisPendingSummary.decode(.array([.integer(0), .null, .null, .null]))
        #expect(empty == RedisPendingSummary(count: 0, smallestID: nil, largestID: nil, consumers: [:]))
        let some = try RedisPendingSummary.decode(
            .array([
                .integer(3), .string("1-0"), .string("3-0"),
                .array([.array([.string("a"), .string("2")]), .array([.string("b"), .string("1")])]),
            ]))
        #expect(some.consumers == ["a": 2, "b": 1])
    }

    @Test("XREADGROUP nil reply is an empty result")
    func readGroupTimeout() throws {
        #expect(try RedisStreamBatch.decodeList(.null) == [])
        #expect(throws: RedisError.self) { try RedisStreamBatch.decodeList(.array([.string("k")])) }
    }
}
