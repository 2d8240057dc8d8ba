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

    private static let loggingBootstrapped: Bool = {
        let format = EnvironmentReader().string("LOG_FORMAT", default: "json").lowercased()
        LoggingSystem.bootstrap { label -> any LogHandler in
            if format == "text" { return StreamLogHandler.standardError(label: label) }
            return JSONLogHandler(label: label)
        }
        return true
    }()

    /// Installs the log handler (format from `LOG_FORMAT`) and the metrics factory, once.
    public static func bootstrap() {
        _ = loggingBootstrapped
        _ = registry
    }

    public static func logger(_ label: String, level: Logger.Level) -> Logger {
        bootstrap()
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
