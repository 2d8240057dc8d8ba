import Logging

/// The background logger for a `PostgresClient` whose `run()` is started by the code that creates it
/// (`withPostgresClient`, `PostgresClient.runInBackground()`).
///
/// PostgresNIO warns on every lease that comes before `run()` has flipped its flag. Those helpers start
/// `run()` before handing the client out, but the flag is set inside `run()`, a few instructions after the
/// child task signals that it started; on a loaded machine the thread can be preempted right there and the
/// first lease (which then simply waits for the pool) draws the warning. With `run()` guaranteed by
/// construction the warning says nothing, so exactly that message is dropped; everything else passes.
public struct PostgresBackgroundLogHandler: LogHandler {
    private var upstream: any LogHandler

    public init(wrapping upstream: any LogHandler) {
        self.upstream = upstream
    }

    /// `logger` with this filter in front of its handler.
    public static func logger(wrapping logger: Logger) -> Logger {
        var wrapped = logger
        wrapped.handler = PostgresBackgroundLogHandler(wrapping: logger.handler)
        return wrapped
    }

    public func log(event: LogEvent) {
        if event.level == .warning, event.message.description.contains("hasn't been called yet") { return }
        upstream.log(event: event)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { upstream[metadataKey: key] }
        set { upstream[metadataKey: key] = newValue }
    }

    public var metadata: Logger.Metadata {
        get { upstream.metadata }
        set { upstream.metadata = newValue }
    }

    public var logLevel: Logger.Level {
        get { upstream.logLevel }
        set { upstream.logLevel = newValue }
    }
}
