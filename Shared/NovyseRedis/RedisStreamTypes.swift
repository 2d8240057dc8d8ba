/// One stream entry. Fields are a dictionary because the services never rely on field order;
/// if a field name repeats within one entry, the last value wins.
public struct RedisStreamEntry: Sendable, Equatable {
    public let id: String
    public let fields: [String: String]

    public init(id: String, fields: [String: String]) {
        self.id = id
        self.fields = fields
    }
}

/// The entries read from one stream by `XREADGROUP`.
public struct RedisStreamBatch: Sendable, Equatable {
    public let key: String
    public let entries: [RedisStreamEntry]

    public init(key: String, entries: [RedisStreamEntry]) {
        self.key = key
        self.entries = entries
    }
}

/// What `XAUTOCLAIM` took over.
public struct RedisAutoClaimResult: Sendable, Equatable {
    /// Where the next scan should start; `0-0` once the whole pending list has been scanned.
    public let nextStart: String
    public let entries: [RedisStreamEntry]
    /// Pending entries that no longer exist in the stream (trimmed or deleted). Redis 7 drops them
    /// from the pending list itself; Redis 6.2 does not report them, so this is then empty.
    public let deletedIDs: [String]

    public init(nextStart: String, entries: [RedisStreamEntry], deletedIDs: [String]) {
        self.nextStart = nextStart
        self.entries = entries
        self.deletedIDs = deletedIDs
    }
}

/// The summary form of `XPENDING`.
public struct RedisPendingSummary: Sendable, Equatable {
    public let count: Int
    public let smallestID: String?
    public let largestID: String?
    /// Pending count per consumer name.
    public let consumers: [String: Int]

    public init(count: Int, smallestID: String?, largestID: String?, consumers: [String: Int]) {
        self.count = count
        self.smallestID = smallestID
        self.largestID = largestID
        self.consumers = consumers
    }
}

/// One row of the extended form of `XPENDING`.
public struct RedisPendingEntry: Sendable, Equatable {
    public let id: String
    public let consumer: String
    /// Time since the entry was last delivered.
    public let idle: Duration
    /// How many times it has been delivered; more than one means a consumer died or failed on it.
    public let deliveries: Int

    public init(id: String, consumer: String, idle: Duration, deliveries: Int) {
        self.id = id
        self.consumer = consumer
        self.idle = idle
        self.deliveries = deliveries
    }
}
