/// Plain (group-less) stream reads, for consumers that must each see every entry: the fan-out processes
/// each keep their own position per partition instead of sharing a consumer group.
extension RedisClient {
    /// `XREAD [COUNT n] [BLOCK ms] STREAMS key… id…`; `[]` when `block` passed without new entries. As with
    /// `xreadgroup`, a `block` of zero or less does not wait, and cancelling the task ends the read.
    public func xread(
        streams: [(key: String, id: String)],
        count: Int? = nil,
        block: Duration? = nil
    ) async throws -> [RedisStreamBatch] {
        try await readStreams(["XREAD"], streams: streams, count: count, block: block)
    }

    /// The ID of the newest entry of a stream, or `0-0` when it is empty or missing: where a reader that
    /// wants only new entries starts (`$` cannot be used across calls, it would skip what arrives between them).
    public func lastStreamID(_ key: String) async throws -> String {
        let reply = try await send(["XREVRANGE", key, "+", "-", "COUNT", "1"])
        return try RedisStreamEntry.decodeList(reply).first?.id ?? "0-0"
    }
}
