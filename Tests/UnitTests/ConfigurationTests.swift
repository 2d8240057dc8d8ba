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

    @Test(
        "an unusable value names its key",
        arguments: [
            ("NOVYSE_COMMAND_PORT", "eighty"), ("NOVYSE_COMMAND_PORT", "70000"), ("LOG_LEVEL", "loud"),
            ("NOVYSE_MIGRATE_ON_START", "maybe"), ("NOVYSE_PARTITIONS", "0"), ("NOVYSE_JWT_SECRET", "shorter-than-thirty-two-bytes"),
            ("LOG_FORMAT", "xml"), ("NOVYSE_MAX_BODY_BYTES", "big"), ("NOVYSE_MAX_BODY_BYTES", "10"),
            ("DATABASE_POOL_SIZE", "0"), ("NOVYSE_READINESS_TIMEOUT_MS", "soon"),
        ])
    func invalidValues(key: String, value: String) {
        let environment = EnvironmentReader(secret.merging([key: value]) { $1 })
        #expect {
            _ = try ServiceConfiguration(service: .command, environment: environment)
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    @Test("the body limit and the log format are read with the rest, once")
    func bodyLimitAndLogFormat() throws {
        let values = secret.merging(["NOVYSE_MAX_BODY_BYTES": "2048", "LOG_FORMAT": "TEXT"]) { $1 }
        let configured = try ServiceConfiguration(service: .query, environment: EnvironmentReader(values))
        #expect(configured.maxBodyBytes == 2048 && configured.logFormat == .text)
        let defaults = try ServiceConfiguration(service: .query, environment: EnvironmentReader(secret))
        #expect(defaults.maxBodyBytes == 65536 && defaults.logFormat == .json)
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

    @Test(
        "production refuses the published development secret and the example placeholder",
        arguments: [
            JWTConfiguration.developmentSecret, "CHANGE-ME-to-a-random-string-of-at-least-32-bytes", "our-secret-change-me-before-launch-0000",
        ])
    func publicSecretsRefused(value: String) throws {
        #expect {
            _ = try ServiceConfiguration(service: .query, environment: EnvironmentReader(["NOVYSE_JWT_SECRET": value]))
        } throws: { error in
            (error as? ConfigurationError)?.key == "NOVYSE_JWT_SECRET"
        }
        // Development is for exactly those values.
        let development = try ServiceConfiguration(
            service: .query, environment: EnvironmentReader(["NOVYSE_JWT_SECRET": value, "NOVYSE_ENV": "development"])
        )
        #expect(development.jwt.hmacSecret == value)
    }

    @Test("NOVYSE_ENV is production or development, nothing else")
    func unknownMode() {
        #expect {
            _ = try ServiceConfiguration(service: .command, environment: EnvironmentReader(secret.merging(["NOVYSE_ENV": "staging"]) { $1 }))
        } throws: { error in
            (error as? ConfigurationError)?.key == "NOVYSE_ENV"
        }
    }

    @Test("admin endpoints: on with a token in development; in production only when enabled, with a strong token")
    func adminEndpoints() throws {
        func configuration(_ values: [String: String]) throws -> ServiceConfiguration {
            try ServiceConfiguration(service: .command, environment: EnvironmentReader(secret.merging(values) { $1 }))
        }
        let strong = String(repeating: "k", count: 32)
        let development = try configuration(["NOVYSE_ENV": "development", "NOVYSE_ADMIN_TOKEN": "dev-admin-token"])
        #expect(development.adminToken == "dev-admin-token")

        let copied = try configuration(["NOVYSE_ADMIN_TOKEN": strong])
        #expect(copied.adminToken == nil, "a token alone does not open them in production")
        #expect(copied.adminTokenIgnored)

        let enabled = try configuration(["NOVYSE_ADMIN_TOKEN": strong, "NOVYSE_ADMIN_ENABLED": "true"])
        #expect(enabled.adminToken == strong)
        #expect(!enabled.adminTokenIgnored)

        for weak in ["dev-admin-token", String(repeating: "k", count: 31), "CHANGE-ME-" + strong, ""] {
            #expect {
                _ = try configuration(["NOVYSE_ADMIN_TOKEN": weak, "NOVYSE_ADMIN_ENABLED": "true"])
            } throws: { error in
                (error as? ConfigurationError)?.key == "NOVYSE_ADMIN_TOKEN"
            }
        }
    }

    @Test(
        "DATABASE_URL parsing",
        arguments: [
            "postgres://novyse:secret@db.internal:6543/novyse?sslmode=disable",
            "postgresql://novyse@127.0.0.1/novyse",
            "postgres://novyse@/novyse?host=/var/run/postgresql",
        ])
    func databaseURLs(url: String) throws {
        let configuration = try DatabaseConfiguration(url: url, maximumConnections: 7)
        #expect(configuration.database == "novyse")
        #expect(configuration.client.options.maximumConnections == 7)
    }

    @Test(
        "bad DATABASE_URLs are refused",
        arguments: [
            "mysql://x@y/z", "not a url", "postgres://u@h/d?sslmode=sometimes", "postgres:///novyse",
        ])
    func badDatabaseURLs(url: String) {
        #expect(throws: StorageError.self) { _ = try DatabaseConfiguration(url: url) }
    }
}
