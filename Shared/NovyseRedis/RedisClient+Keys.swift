// Plain keys, sets and pub/sub. Commands taking a list return without a round trip when the list is
// empty, because Redis rejects them with a syntax error that no caller would want to handle.
extension RedisClient {
    public func get(_ key: String) async throws -> String? {
        try await execute(["GET", key]).optionalString("GET")
    }

    /// Returns false only when `onlyIfAbsent` is set and the key already existed. An expiry below one
    /// millisecond is raised to one, since Redis refuses `PX 0`.
    @discardableResult
    public func set(_ key: String, _ value: String, expiresIn: Duration? = nil, onlyIfAbsent: Bool = false) async throws -> Bool {
        var arguments = ["SET", key, value]
        if let expiresIn { arguments += ["PX", String(max(1, expiresIn.redisMilliseconds))] }
        if onlyIfAbsent { arguments.append("NX") }
        let reply = try await execute(arguments)
        if case .null = reply { return false }
        guard try reply.requireString("SET") == "OK" else {
            throw RedisError.unexpectedReply("SET: expected OK, got \(reply)")
        }
        return true
    }

    /// Returns how many of the keys existed.
    @discardableResult
    public func del(_ keys: [String]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await execute(["DEL"] + keys).requireInteger("DEL")
    }

    /// Uses `PEXPIRE`; returns false when the key does not exist.
    @discardableResult
    public func expire(_ key: String, after: Duration) async throws -> Bool {
        try await execute(["PEXPIRE", key, String(after.redisMilliseconds)]).requireInteger("PEXPIRE") == 1
    }

    /// Returns how many members were new.
    @discardableResult
    public func sadd(_ key: String, _ members: [String]) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        return try await execute(["SADD", key] + members).requireInteger("SADD")
    }

    /// Returns how many members were removed.
    @discardableResult
    public func srem(_ key: String, _ members: [String]) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        return try await execute(["SREM", key] + members).requireInteger("SREM")
    }

    /// Members in no particular order, as Redis keeps them.
    public func smembers(_ key: String) async throws -> [String] {
        try await execute(["SMEMBERS", key]).arrayOrEmpty("SMEMBERS").map { try $0.requireString("SMEMBERS member") }
    }

    /// Returns how many subscribers received the message (zero is not an error: pub/sub is fire-and-forget).
    @discardableResult
    public func publish(_ channel: String, _ message: String) async throws -> Int {
        try await execute(["PUBLISH", channel, message]).requireInteger("PUBLISH")
    }
}
