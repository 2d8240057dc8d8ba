// Decoding of the nested arrays Redis returns for stream commands. Entries whose field list is nil
// (the entry was deleted or trimmed while still pending) are skipped: there is nothing to process,
// and XAUTOCLAIM reports their IDs separately.

extension RedisStreamEntry {
    /// Decodes `[id, [field, value, ...]]`; returns nil for an entry whose fields are nil.
    static func decode(_ value: RedisValue) throws -> RedisStreamEntry? {
        let pair = try value.requireArray("stream entry")
        guard pair.count == 2 else {
            throw RedisError.unexpectedReply("stream entry: expected [id, fields], got \(value)")
        }
        let id = try pair[0].requireString("stream entry id")
        if case .null = pair[1] { return nil }
        let flat = try pair[1].requireArray("stream entry fields")
        guard flat.count.isMultiple(of: 2) else {
            throw RedisError.unexpectedReply("stream entry \(id): odd number of field items")
        }
        var fields: [String: String] = [:]
        fields.reserveCapacity(flat.count / 2)
        var index = 0
        while index < flat.count {
            fields[try flat[index].requireString("field name")] = try flat[index + 1].requireString("field value")
            index += 2
        }
        return RedisStreamEntry(id: id, fields: fields)
    }

    static func decodeList(_ value: RedisValue) throws -> [RedisStreamEntry] {
        try value.arrayOrEmpty("stream entries").compactMap(decode)
    }
}

extension RedisStreamBatch {
    /// Decodes the `XREADGROUP` reply `[[key, entries], ...]`; nil (block timed out) becomes `[]`.
    static func decodeList(_ value: RedisValue) throws -> [RedisStreamBatch] {
        try value.arrayOrEmpty("XREADGROUP").map { stream in
            let pair = try stream.requireArray("XREADGROUP stream")
            guard pair.count == 2 else {
                throw RedisError.unexpectedReply("XREADGROUP: expected [key, entries], got \(stream)")
            }
            return RedisStreamBatch(key: try pair[0].requireString("stream key"), entries: try RedisStreamEntry.decodeList(pair[1]))
        }
    }
}

extension RedisAutoClaimResult {
    /// Redis 7 replies `[next, entries, deletedIDs]`, Redis 6.2 only `[next, entries]`.
    static func decode(_ value: RedisValue) throws -> RedisAutoClaimResult {
        let parts = try value.requireArray("XAUTOCLAIM")
        guard parts.count == 2 || parts.count == 3 else {
            throw RedisError.unexpectedReply("XAUTOCLAIM: expected 2 or 3 elements, got \(parts.count)")
        }
        let deleted = parts.count == 3 ? try parts[2].arrayOrEmpty("XAUTOCLAIM deleted").map { try $0.requireString("deleted id") } : []
        return RedisAutoClaimResult(
            nextStart: try parts[0].requireString("XAUTOCLAIM next start"),
            entries: try RedisStreamEntry.decodeList(parts[1]),
            deletedIDs: deleted
        )
    }
}

extension RedisPendingSummary {
    /// Decodes `[count, smallest, largest, [[consumer, count], ...]]`; the last three are nil when
    /// nothing is pending.
    static func decode(_ value: RedisValue) throws -> RedisPendingSummary {
        let parts = try value.requireArray("XPENDING")
        guard parts.count == 4 else {
            throw RedisError.unexpectedReply("XPENDING: expected 4 elements, got \(parts.count)")
        }
        var consumers: [String: Int] = [:]
        for row in try parts[3].arrayOrEmpty("XPENDING consumers") {
            let pair = try row.requireArray("XPENDING consumer")
            guard pair.count == 2 else { throw RedisError.unexpectedReply("XPENDING consumer: \(row)") }
            consumers[try pair[0].requireString("consumer name")] = try pair[1].requireInteger("consumer pending count")
        }
        return RedisPendingSummary(
            count: try parts[0].requireInteger("XPENDING count"),
            smallestID: try parts[1].optionalString("XPENDING smallest id"),
            largestID: try parts[2].optionalString("XPENDING largest id"),
            consumers: consumers
        )
    }
}

extension RedisPendingEntry {
    /// Decodes the extended `XPENDING` rows `[id, consumer, idle-ms, deliveries]`.
    static func decodeList(_ value: RedisValue) throws -> [RedisPendingEntry] {
        try value.arrayOrEmpty("XPENDING").map { row in
            let parts = try row.requireArray("XPENDING entry")
            guard parts.count == 4 else { throw RedisError.unexpectedReply("XPENDING entry: \(row)") }
            return RedisPendingEntry(
                id: try parts[0].requireString("pending id"),
                consumer: try parts[1].requireString("pending consumer"),
                idle: .milliseconds(try parts[2].requireInteger("pending idle")),
                deliveries: try parts[3].requireInteger("pending deliveries")
            )
        }
    }
}
