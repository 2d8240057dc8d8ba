import NovyseRedis
import Testing

@Suite("RedisConfiguration(url:)")
struct RedisConfigurationTests {
    @Test("defaults")
    func defaults() {
        let configuration = RedisConfiguration()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 6379)
        #expect(configuration.password == nil)
        #expect(configuration.database == 0)
        #expect(configuration.poolSize == 8)
        #expect(configuration.connectTimeout == .seconds(2))
        #expect(configuration.commandTimeout == .seconds(5))
    }

    @Test("host only")
    func hostOnly() throws {
        let configuration = try RedisConfiguration(url: "redis://cache.internal")
        #expect(configuration == RedisConfiguration(host: "cache.internal"))
    }

    @Test("password, port, database and pool size")
    func everything() throws {
        let configuration = try RedisConfiguration(url: "redis://:s3cret@10.0.0.7:6380/2", poolSize: 3)
        #expect(configuration == RedisConfiguration(host: "10.0.0.7", port: 6380, password: "s3cret", database: 2, poolSize: 3))
    }

    @Test("default user and percent-encoded password")
    func defaultUser() throws {
        let configuration = try RedisConfiguration(url: "redis://default:p%40ss%3Aword@localhost:7000/")
        #expect(configuration.password == "p@ss:word")
        #expect(configuration.host == "localhost")
        #expect(configuration.port == 7000)
        #expect(configuration.database == 0)
    }

    @Test("unencoded @ in the password")
    func atInPassword() throws {
        let configuration = try RedisConfiguration(url: "redis://:a@b@host")
        #expect(configuration.password == "a@b")
        #expect(configuration.host == "host")
    }

    @Test("bracketed IPv6 host and upper-case scheme")
    func ipv6() throws {
        let configuration = try RedisConfiguration(url: "REDIS://[::1]:6390/15")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 6390)
        #expect(configuration.database == 15)
    }

    @Test("empty password means none")
    func emptyPassword() throws {
        #expect(try RedisConfiguration(url: "redis://:@host").password == nil)
    }

    @Test(
        "invalid URLs are rejected with REDIS_INVALID_URL",
        arguments: [
            "",
            "cache.internal:6379",
            "http://host",
            "rediss://host",
            "redis://",
            "redis://:pw@",
            "redis://host:",
            "redis://host:0",
            "redis://host:70000",
            "redis://host:+80",
            "redis://host:port",
            "redis://host/-1",
            "redis://host/one",
            "redis://user:pw@host",
            "redis://pw@host",
            "redis://:%zz@host",
            "redis://host?timeout=1",
            "redis://[::1:6379",
            "redis://[::1]x",
        ])
    func invalid(url: String) {
        #expect {
            _ = try RedisConfiguration(url: url)
        } throws: { error in
            guard let error = error as? RedisError, case .invalidURL = error else { return false }
            return error.code == "REDIS_INVALID_URL"
        }
    }
}
