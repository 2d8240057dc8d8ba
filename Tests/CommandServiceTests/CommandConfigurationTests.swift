import NovyseCore
import NovyseService
import TestSupport
import Testing

@testable import CommandService

@Suite("Command configuration")
struct CommandConfigurationTests {
    @Test("every count-limit key it reads is in docs/configuration.md")
    func documented() throws {
        let environment = EnvironmentReader.recording()
        _ = try CountLimits(environment: environment)
        #expect(environment.requestedKeys.count == CountLimits.settings.count)
        #expect(try ConfigurationReference.undocumented(environment.requestedKeys) == [])
    }

    @Test("a bad count limit is refused, naming its key")
    func badValue() {
        #expect {
            _ = try CountLimits(environment: EnvironmentReader(["NOVYSE_LIMIT_FOLDERS": "many"]))
        } throws: { error in
            (error as? ConfigurationError)?.key == "NOVYSE_LIMIT_FOLDERS"
        }
    }
}
