/// Every Lua script the services run, in one place. Each takes all the keys it touches as `KEYS` (see
/// `RedisScript`); the key names come from `RedisKeyspace`. Scripts run atomically in Redis, and those that
/// need a clock use Redis's own (`TIME`), whatever the skew between the hosts that call them.
public enum RedisScripts {
    /// Everything here, for tests and for loading ahead of use.
    public static let all: [RedisScript] = [
        publishPipeline, wakeupEnqueue, wakeupReleaseTrailing, presenceSet, presenceRelease, rateLimitTake,
    ]

    // MARK: Pipeline (outbox relay)

    /// `KEYS[i]` is entry i's partition stream; `ARGV` is the `MAXLEN`, then per entry its field count and
    /// field pairs. Runs the `XADD … MAXLEN ~ n *` in order, one round trip per chunk; returns their IDs.
    public static let publishPipeline = RedisScript(
        name: "publish-pipeline", keys: .atLeast(1),
        source: """
            local maxlen = ARGV[1]
            local at = 2
            local ids = {}
            for i = 1, #KEYS do
              local n = tonumber(ARGV[at])
              local args = {'XADD', KEYS[i], 'MAXLEN', '~', maxlen, '*'}
              for j = 1, 2 * n do args[6 + j] = ARGV[at + j] end
              at = at + 2 * n + 1
              ids[i] = redis.call(unpack(args))
            end
            return ids
            """)

    // MARK: Wake-up coalescing (fan-out)
    //
    // Per device, a window opens with a wake-up sent at once (leading edge). Events during the window queue
    // nothing, but mark the device in the trailing set scored with the window's end; when that time comes
    // the marked device gets one more wake-up (trailing edge), which opens the next window. So a burst costs
    // at most one wake-up per window, and an event that arrives after the device synced for the first
    // wake-up still reaches it at the end of the window. "Is a wake-up queued for this window?" and "queue
    // it" are one script, so a crash or a concurrent process cannot split them.

    /// The start of both wake-up scripts: `now` by Redis's clock (ms), and `queue`, which appends one
    /// wake-up (`user`, `device`, `at`, `kind`) to the stream `KEYS[1]`, capped at `ARGV[2]`.
    private static let wakeupPrelude = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local function queue(member, kind)
          redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
            'user', string.sub(member, 1, 36), 'device', string.sub(member, 38),
            'at', string.format('%d', now), 'kind', kind)
        end

        """

    /// KEYS: the wake-up stream, the trailing set, then one window key per device.
    /// ARGV: window ms, stream max length, then from `ARGV[3]` each device's member (`<user>:<device>`),
    /// aligned with its window key (`ARGV[i]` belongs to `KEYS[i]`).
    /// Returns how many devices got a wake-up queued now (the rest were coalesced into their window).
    public static let wakeupEnqueue = RedisScript(
        name: "wakeup-enqueue", keys: .atLeast(2),
        source: wakeupPrelude + """
            local queued = 0
            for i = 3, #KEYS do
              local member = ARGV[i]
              if redis.call('SET', KEYS[i], '1', 'NX', 'PX', ARGV[1]) then
                redis.call('ZREM', KEYS[2], member)
                queue(member, 'leading')
                queued = queued + 1
              else
                local ttl = redis.call('PTTL', KEYS[i])
                if ttl < 0 then ttl = 0 end
                redis.call('ZADD', KEYS[2], 'NX', now + ttl, member)
              end
            end
            return queued
            """)

    /// KEYS and ARGV as for `wakeupEnqueue`, for candidates the caller read from the trailing set (its
    /// earliest members): each one still in the set and due by now gets its trailing wake-up and a new window;
    /// the others (not due yet, or released by another process meanwhile) are left alone.
    /// Returns how many were released.
    public static let wakeupReleaseTrailing = RedisScript(
        name: "wakeup-release-trailing", keys: .atLeast(2),
        source: wakeupPrelude + """
            local released = 0
            for i = 3, #KEYS do
              local member = ARGV[i]
              local due = redis.call('ZSCORE', KEYS[2], member)
              if due and tonumber(due) <= now then
                redis.call('ZREM', KEYS[2], member)
                redis.call('SET', KEYS[i], '1', 'PX', ARGV[1])
                queue(member, 'trailing')
                released = released + 1
              end
            end
            return released
            """)

    // MARK: Presence (fan-out)

    /// KEYS: presence keys. ARGV: this process's instance name, the expiry in ms. Sets them all in one round
    /// trip; returns how many.
    public static let presenceSet = RedisScript(
        name: "presence-set", keys: .atLeast(1),
        source: """
            for _, key in ipairs(KEYS) do redis.call('SET', key, ARGV[1], 'PX', ARGV[2]) end
            return #KEYS
            """)

    /// KEYS[1]: a presence key. ARGV[1]: this process's instance name. Deletes the key only while it still
    /// names this process (another process may own the device by now).
    public static let presenceRelease = RedisScript(
        name: "presence-release", keys: .exactly(1),
        source: """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """)

    // MARK: Rate limits (command service)

    /// KEYS[1]: the bucket (a hash of tokens `t` and last refill `at`, in ms). ARGV: tokens per ms, burst.
    /// Refills the bucket from the time elapsed and takes a token. Returns {1, 0} when a token was taken,
    /// {0, ms until the next token} otherwise. The key expires once the bucket would be full again (at most
    /// 30 days), so idle keys cost nothing.
    public static let rateLimitTake = RedisScript(
        name: "rate-limit-take", keys: .exactly(1),
        source: """
            local now_parts = redis.call('TIME')
            local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
            local rate = tonumber(ARGV[1])
            local burst = tonumber(ARGV[2])
            local state = redis.call('HMGET', KEYS[1], 't', 'at')
            local tokens = tonumber(state[1]) or burst
            local at = tonumber(state[2]) or now
            if now > at then tokens = math.min(burst, tokens + (now - at) * rate) end
            local allowed = 0
            local wait = 0
            if tokens >= 1 then
              tokens = tokens - 1
              allowed = 1
            else
              wait = math.ceil((1 - tokens) / rate)
            end
            redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(math.max(now, at)))
            redis.call('PEXPIRE', KEYS[1], math.min(math.ceil((burst - tokens) / rate) + 1000, 2592000000))
            return {allowed, wait}
            """)
}
