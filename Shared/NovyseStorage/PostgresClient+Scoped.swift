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
    let client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}
