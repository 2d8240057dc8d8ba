/// Where and how to reach Redis; kept separate from the client so services can build it from
/// environment variables or a URL before anything connects.
public struct RedisConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// Sent with `AUTH` on every new connection, because a reconnect after a Redis restart starts
    /// unauthenticated.
    public var password: String?
    /// Sent with `SELECT` on every new connection for the same reason as `password`.
    public var database: Int
    /// Maximum number of connections, and the number of threads that run hiredis' blocking calls:
    /// a thread holds one connection at a time, so more connections than threads would sit unused.
    /// A blocking read (`XREADGROUP ... BLOCK`) occupies one of them for its whole wait.
    public var poolSize: Int
    /// Kept short so that calls fail fast while Redis is down instead of piling up.
    public var connectTimeout: Duration
    /// Bound on each command; blocking commands get their block time added on top.
    public var commandTimeout: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        password: String? = nil,
        database: Int = 0,
        poolSize: Int = 8,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(5)
    ) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// Parses `redis://[[default]:password@]host[:port][/db]`, the form deployment tooling hands out.
    ///
    /// Anything this client cannot honour (TLS, user names other than `default`, query options) is
    /// rejected rather than ignored, so a misconfiguration fails at startup instead of at the first
    /// command.
    public init(url: String, poolSize: Int = 8) throws {
        let parsed = try RedisURL(parsing: url)
        self.init(host: parsed.host, port: parsed.port, password: parsed.password, database: parsed.database, poolSize: poolSize)
    }
}
