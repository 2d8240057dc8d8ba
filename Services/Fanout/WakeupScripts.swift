/// The two Lua scripts behind coalescing. Each runs atomically in Redis, so "is a wake-up already queued
/// for this window?" and "queue it" can never be split by a crash or a concurrent process, and the Redis
/// clock (`TIME`) is the only clock involved, whatever the skew between fan-out hosts.
///
/// Per device, a window opens with a wake-up sent at once (leading edge). Events during the window queue
/// nothing, but mark the device in a sorted set scored with the window's end; when that time comes the
/// marked device gets one more wake-up (trailing edge), which opens the next window. So a burst costs at
/// most one wake-up per window, and an event that arrives after the device synced for the first wake-up
/// still reaches it at the end of the window instead of waiting for the next event.
///
/// Key names other than the declared ones are built inside the trailing script (the coalescing key of
/// each released device); that is fine on a single Redis or a replicated one, not on Redis Cluster.
enum WakeupScripts {
    /// KEYS: stream, trailing set, then one coalescing key per device.
    /// ARGV: window ms, stream max length, then the device member for each coalescing key (same order).
    /// Returns how many devices got a wake-up queued now (the rest were coalesced).
    static let enqueue = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local queued = 0
        for i = 3, #KEYS do
          local member = ARGV[i]
          if redis.call('SET', KEYS[i], '1', 'NX', 'PX', ARGV[1]) then
            redis.call('ZREM', KEYS[2], member)
            redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
              'user', string.sub(member, 1, 36), 'device', string.sub(member, 38),
              'at', string.format('%d', now), 'kind', 'leading')
            queued = queued + 1
          else
            local ttl = redis.call('PTTL', KEYS[i])
            if ttl < 0 then ttl = 0 end
            redis.call('ZADD', KEYS[2], 'NX', now + ttl, member)
          end
        end
        return queued
        """

    /// KEYS: stream, trailing set. ARGV: window ms, stream max length, limit, coalescing key prefix.
    /// Releases up to `limit` devices whose window has ended; returns how many.
    static let releaseTrailing = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
        for _, member in ipairs(due) do
          redis.call('ZREM', KEYS[2], member)
          redis.call('SET', ARGV[4] .. member, '1', 'PX', ARGV[1])
          redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
            'user', string.sub(member, 1, 36), 'device', string.sub(member, 38),
            'at', string.format('%d', now), 'kind', 'trailing')
        end
        return #due
        """
}
