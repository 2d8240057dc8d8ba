import NovyseCore

/// Where pipeline entries live in Redis: one stream per partition (`RedisKeyspace.pipeline(partition:)`),
/// and each `StreamID` always in the same partition, so one stream's entries stay in order.
///
/// Every producer and consumer of one deployment must use the same prefix and partition count.
public struct PipelineLayout: Sendable, Equatable {
    public let keyspace: RedisKeyspace
    public let partitions: Int

    public init(keyspace: RedisKeyspace, partitions: Int) {
        precondition(partitions > 0, "at least one partition")
        self.keyspace = keyspace
        self.partitions = partitions
    }

    public init(prefix: String, partitions: Int) {
        self.init(keyspace: RedisKeyspace(prefix: prefix), partitions: partitions)
    }

    public var prefix: String { keyspace.prefix }

    public func key(partition: Int) -> String { keyspace.pipeline(partition: partition) }

    public func key(for stream: StreamID) -> String { key(partition: stream.partition(of: partitions)) }

    public var allKeys: [String] { (0..<partitions).map(key(partition:)) }
}
