import NovyseService
import TestSupport
import Testing

@Suite("docs/configuration.md lists every key the shared configuration reads")
struct ConfigurationReferenceTests {
    @Test("the reference parses into the keys it lists")
    func referenceParses() throws {
        let keys = try ConfigurationReference.documentedKeys()
        #expect(keys.isSuperset(of: ["DATABASE_URL", "NOVYSE_QUERY_PORT", "LOG_FORMAT", "NOVYSE_WAKEUP_MAX_AGE_MS"]))
        #expect(!keys.contains("BODY_TOO_LARGE"), "only the key column counts")
    }

    @Test("every key ServiceConfiguration asks for, in each service and mode, is documented")
    func serviceConfigurationKeys() throws {
        let secret = String(repeating: "s", count: 32)
        let environments: [[String: String]] = [
            ["NOVYSE_ENV": "development"],
            ["NOVYSE_JWT_SECRET": secret],
            ["NOVYSE_JWT_SECRET": secret, "NOVYSE_ADMIN_TOKEN": String(repeating: "k", count: 32), "NOVYSE_ADMIN_ENABLED": "true"],
            ["NOVYSE_JWT_SECRET": secret, "NOVYSE_ADMIN_TOKEN": String(repeating: "k", count: 32)],
        ]
        var requested: Set<String> = []
        for kind in ServiceKind.allCases {
            for values in environments {
                let environment = EnvironmentReader.recording(values)
                _ = try ServiceConfiguration(service: kind, environment: environment)
                _ = try ClientAddress(environment: environment)
                requested.formUnion(environment.requestedKeys)
            }
        }
        #expect(requested.contains("NOVYSE_MAX_BODY_BYTES") && requested.contains("NOVYSE_ADMIN_ENABLED"))
        #expect(try ConfigurationReference.undocumented(requested) == [])
    }
}
