// Lua scripts by SHA1: loaded once per Redis, run with EVALSHA.
extension RedisClient {
    /// Runs `script` with `EVALSHA`. Redis forgets loaded scripts when it restarts, fails over or is told
    /// `SCRIPT FLUSH`; the `NOSCRIPT` that follows is answered here by `SCRIPT LOAD` and one more `EVALSHA`,
    /// and should the script be flushed again in between, by one `EVAL` with the full text. So callers never
    /// see `NOSCRIPT`; every other error reply (a refused script, an error raised by the script) is thrown
    /// as `RedisError.server`.
    ///
    /// `keys` must match `script.keys` (a programming error otherwise, so it traps).
    public func run(_ script: RedisScript, keys: [String], arguments: [String]) async throws -> RedisValue {
        precondition(script.keys.accepts(keys.count), "\(script) takes \(script.keys) keys, got \(keys.count)")
        let tail = [String(keys.count)] + keys + arguments
        do {
            return try await execute(["EVALSHA", script.sha1] + tail)
        } catch RedisError.server(kind: "NOSCRIPT", _) {
            try await load(script)
        }
        do {
            return try await execute(["EVALSHA", script.sha1] + tail)
        } catch RedisError.server(kind: "NOSCRIPT", _) {
            return try await execute(["EVAL", script.source] + tail)
        }
    }

    /// `SCRIPT LOAD`; throws `unexpectedReply` if Redis names the script by another SHA1 than ours, which
    /// would make every `EVALSHA` miss.
    public func load(_ script: RedisScript) async throws {
        let sha1 = try await execute(["SCRIPT", "LOAD", script.source]).requireString("SCRIPT LOAD")
        guard sha1.lowercased() == script.sha1 else {
            throw RedisError.unexpectedReply("SCRIPT LOAD of \(script.name): Redis says \(sha1), expected \(script.sha1)")
        }
    }
}
