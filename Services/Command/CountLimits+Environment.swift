import NovyseCore
import NovyseService

extension CountLimits {
    /// The defaults, overridden by `NOVYSE_LIMIT_*`; a value out of its range stops start-up naming the key.
    init(environment: EnvironmentReader) throws {
        self.init()
        for setting in Self.settings {
            self[keyPath: setting.path] = try environment.int(setting.key, default: self[keyPath: setting.path], range: setting.range)
        }
    }
}
