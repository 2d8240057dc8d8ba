import Foundation
import Logging
import Metrics
import Prometheus

/// Process-wide logging and metrics back ends. Both swift-log and swift-metrics may be bootstrapped only
/// once per process; these lazily initialized statics make the bootstrap idempotent, which tests that start
/// several services in one process rely on.
public enum Observability {
    /// The Prometheus registry behind `/metrics`.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Whether the log handler is installed; guarded because `LoggingSystem.bootstrap` traps when called twice.
    private static let loggingInstalled = LoggingInstalled()

    /// Installs the log handler in `logFormat` (the caller's `LOG_FORMAT`, from its configuration) and the
    /// metrics factory, once per process: the first call's format wins, later calls change nothing.
    public static func bootstrap(logFormat: ServiceConfiguration.LogFormat) {
        loggingInstalled.once {
            LoggingSystem.bootstrap { label -> any LogHandler in
                switch logFormat {
                case .text: StreamLogHandler.standardError(label: label)
                case .json: JSONLogHandler(label: label)
                }
            }
        }
        _ = registry
    }

    /// A logger at `level`; installs JSON logs if no format was installed yet.
    public static func logger(_ label: String, level: Logger.Level) -> Logger {
        bootstrap(logFormat: .json)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

/// Runs the logging bootstrap exactly once, whichever thread asks first.
private final class LoggingInstalled: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    func once(_ body: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        guard !done else { return }
        done = true
        body()
    }
}
