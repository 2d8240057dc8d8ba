import Foundation
import NIOSSL
import PostgresNIO

/// Where Postgres is and how to pool connections to it, read from a libpq-style URL
/// (`postgres://user:password@host:port/database?sslmode=disable`, or `?host=/socket/dir` for a Unix socket).
public struct DatabaseConfiguration: Sendable {
    public var client: PostgresClient.Configuration
    /// The database name, for logs and for tools that create sibling databases.
    public var database: String

    /// The URL with its password masked, for logs and tool output.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "postgres://***"
    }

    public init(url: String, maximumConnections: Int = 20) throws {
        guard let components = URLComponents(string: url),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else {
            throw StorageError.invalidDatabaseURL("expected postgres://user:password@host:port/database")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { _, last in last }
        )
        let username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let database = path.isEmpty ? username : path
        self.database = database

        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = components.port ?? 5432
            client = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)",
                username: username, password: password, database: database
            )
        } else {
            guard let host = components.host, !host.isEmpty else {
                throw StorageError.invalidDatabaseURL("missing host")
            }
            let tls: PostgresClient.Configuration.TLS
            switch query["sslmode"] ?? "prefer" {
            case "disable": tls = .disable
            case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
            case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
            case let other: throw StorageError.invalidDatabaseURL("unsupported sslmode \(other)")
            }
            client = .init(
                host: host, port: components.port ?? 5432,
                username: username, password: password, database: database, tls: tls
            )
        }
        client.options.maximumConnections = max(1, maximumConnections)
        client.options.connectTimeout = .seconds(5)
        // Never JIT: with generic plans (prepared statements) the estimated cost of an update's classification
        // passes `jit_above_cost`, and compiling it took 35 ms per execution against 0.8 ms to run it. Every
        // statement here is short OLTP work, where JIT only ever adds latency.
        client.options.additionalStartupParameters = [("jit", "off")]
    }
}
