import Logging
import PostgresNIO

/// Runs `body` with a pooled client that runs for exactly the body's duration: for tools and tests, which,
/// unlike services, have no `ServiceGroup` to run the client in.
public func withPostgresClient<T: Sendable>(
    url: String,
    maximumConnections: Int = 8,
    logger: Logger = Logger(label: "novyse.postgres"),
    _ body: @Sendable (PostgresClient) async throws -> T
) async throws -> T {
    let configuration = try DatabaseConfiguration(url: url, maximumConnections: maximumConnections)
    let client = PostgresClient(
        configuration: configuration.client, backgroundLogger: PostgresBackgroundLogHandler.logger(wrapping: logger)
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        let started = AsyncStream<Void>.makeStream()
        group.addTask {
            started.continuation.finish()
            await client.run()
        }
        // The first query must not come before `run()`: the pool would wait for it anyway, but PostgresNIO
        // warns about every such lease, and on a busy machine the child task can start much later.
        for await _ in started.stream {}
        defer { group.cancelAll() }
        return try await body(client)
    }
}

extension PostgresClient {
    /// Runs the client in an unstructured task (for a fixture that outlives one scope) and returns once
    /// `run()` has begun, so that no query is issued before it; cancel the task to close the client.
    public func runInBackground() async -> Task<Void, Never> {
        let started = AsyncStream<Void>.makeStream()
        let task = Task {
            started.continuation.finish()
            await self.run()
        }
        for await _ in started.stream {}
        return task
    }
}
