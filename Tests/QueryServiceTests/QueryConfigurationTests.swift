import NovyseService
import TestSupport
import Testing

@testable import QueryService

@Suite("Query configuration")
struct QueryConfigurationTests {
    @Test("every key it reads is in docs/configuration.md")
    func documented() throws {
        let environment = EnvironmentReader.recording()
        _ = try QueryConfiguration(environment: environment)
        #expect(environment.requestedKeys.contains("NOVYSE_QUERY_MAX_CURSORS"))
        #expect(try ConfigurationReference.undocumented(environment.requestedKeys) == [])
    }

    @Test("a bad value is refused, naming its key", arguments: ["NOVYSE_QUERY_MAX_LIMIT", "NOVYSE_QUERY_RETRY_AFTER_MS"])
    func badValue(key: String) {
        #expect {
            _ = try QueryConfiguration(environment: EnvironmentReader([key: "lots"]))
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }
}
