import Logging

extension Logger {
    /// A logger for test plumbing: warnings and errors only, so the suite's output shows what failed.
    public static func quiet(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }
}
