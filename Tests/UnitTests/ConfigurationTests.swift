import NovyseService
import NovyseStorage
import PostgresNIO
import Testing

@Suite("Configuration from the environment")
struct ConfigurationTests {
    let secret = ["NOVYSE_JWT_SECRET": "0123456789abcdef0123456789abcdef"]

    @Test("defaults follow api.md", arguments: ServiceKind.allCases)
    func defaults(kind: ServiceKind) throws {
        let configuration = try ServiceConfiguration(service: kind, environment: EnvironmentReader(secret))
        #expect(configuration.port == [.command: 8081, .query: 8082, .fanout: 8083, .projector: 8084][kind])
        #expect(configuration.redisURL == "redis://127.0.0.1:6379")
        #expect(configuration.migrateOnStart)
        #expect(configuration.adminToken == nil)
    }

    @Test("service-specific port key overrides the default")
    func portOverride() throws {
        let environment = EnvironmentReader(secret.merging(["NOVYSE_QUERY_PORT": "9000"]) { $1 })
        #expect(try ServiceConfiguration(service: .query, environment: environment).port == 9000)
        #expect(try ServiceConfiguration(service: .command, environment: environment).port == 8081)
    }

    @Test("an unusable value names its key", arguments: [
        ("NOVYSE_COMMAND_PORT", "eighty"), ("NOVYSE_COMMAND_PORT", "70000"), ("LOG_LEVEL", "loud"),
        ("NOVYSE_MIGRATE_ON_START", "maybe"), ("NOVYSE_PARTITIONS", "0"), ("NOVYSE_JWT_SECRET", "shorter-than-thirty-two-bytes"),
    ])
    func invalidValues(key: String, value: String) {
        let environment = EnvironmentReader(secret.merging([key: value]) { $1 })
        #expect {
            _ = try ServiceConfiguration(service: .command, environment: environment)
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    @Test("without keys only development mode starts, with the development secret")
    func jwtKeysRequired() throws {
        #expect(throws: ConfigurationError.self) {
            _ = try ServiceConfiguration(service: .command, environment: EnvironmentReader([:]))
        }
        let development = try ServiceConfiguration(
            service: .command, environment: EnvironmentReader(["NOVYSE_ENV": "development"])
        )
        #expect(development.jwt.usesDevelopmentSecret)
        #expect(development.jwt.hmacSecret == JWTConfiguration.developmentSecret)
    }

    @Test("DATABASE_URL parsing", arguments: [
        "postgres://novyse:secret@db.internal:6543/novyse?sslmode=disable",
        "postgresql://novyse@127.0.0.1/novyse",
        "postgres://novyse@/novyse?host=/var/run/postgresql",
    ])
    func databaseURLs(url: String) throws {
        let configuration = try DatabaseConfiguration(url: url, maximumConnections: 7)
        #expect(configuration.database == "novyse")
        #expect(configuration.client.options.maximumConnections == 7)
    }

    @Test("bad DATABASE_URLs are refused", arguments: [
        "mysql://x@y/z", "not a url", "postgres://u@h/d?sslmode=sometimes", "postgres:///novyse",
    ])
    func badDatabaseURLs(url: String) {
        #expect(throws: StorageError.self) { _ = try DatabaseConfiguration(url: url) }
    }
}
