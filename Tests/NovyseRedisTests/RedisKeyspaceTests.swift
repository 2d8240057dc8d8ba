import Foundation
import NovyseCore
import NovyseRedis
import Testing

/// The key names on the wire: deployments upgrade in place, so a rename would orphan live data (presence,
/// windows, buckets) and split the pipeline between old and new processes.
@Suite("RedisKeyspace")
struct RedisKeyspaceTests {
    @Test func keyNamesStayAsDeployed() throws {
        let keyspace = RedisKeyspace()
        let user = try #require(UUID(uuidString: "5B7F4C1E-0000-4000-8000-00000000000A"))
        #expect(keyspace.prefix == "novyse")
        #expect(keyspace.pipeline(partition: 3) == "novyse:pipeline:3")
        #expect(keyspace.wakeups == "novyse:wakeups")
        #expect(keyspace.wakeupsTrailing == "novyse:wakeups:trailing")
        #expect(
            keyspace.wakeupWindow(member: "\(user.uuidString.lowercased()):phone")
                == "novyse:wakeup:5b7f4c1e-0000-4000-8000-00000000000a:phone")
        #expect(keyspace.presence(user: user, device: "phone") == "novyse:presence:5b7f4c1e-0000-4000-8000-00000000000a:phone")
        #expect(keyspace.wakeupClaim(item: "chat/7") == "novyse:fanout:wakeup-claim:chat/7")
        #expect(keyspace.rateLimit(.user(user)) == "novyse:ratelimit:user:5b7f4c1e-0000-4000-8000-00000000000a")
        #expect(keyspace.rateLimit(.address("203.0.113.7")) == "novyse:ratelimit:ip:203.0.113.7")
        #expect(RedisKeyspace.defaultProjectorGroup == "projector" && RedisKeyspace.defaultWakeupGroup == "wakeup")
    }

    @Test func everyKeyFollowsThePrefix() {
        let keyspace = RedisKeyspace(prefix: "staging")
        let keys = [
            keyspace.pipeline(partition: 0), keyspace.wakeups, keyspace.wakeupsTrailing, keyspace.wakeupWindow(member: "u:d"),
            keyspace.presence(user: UUID(), device: "d"), keyspace.wakeupClaim(item: "i"), keyspace.rateLimit(.address("a")),
        ]
        #expect(keys.allSatisfy { $0.hasPrefix("staging:") })
    }

    @Test func theLayoutPutsEachStreamInOnePartitionKey() {
        let layout = PipelineLayout(prefix: "p", partitions: 4)
        #expect(layout.allKeys == ["p:pipeline:0", "p:pipeline:1", "p:pipeline:2", "p:pipeline:3"])
        let stream = StreamID(kind: .chatEvents, key: UUID())
        #expect(layout.key(for: stream) == "p:pipeline:\(stream.partition(of: 4))")
        #expect(layout.keyspace == RedisKeyspace(prefix: "p"))
    }
}
