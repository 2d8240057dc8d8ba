import Foundation
import Logging
import NovyseDevServers
import NovyseStorage
import PostgresNIO

/// A database private to one test, created from the migrated template in milliseconds.
public struct TestDatabase: Sendable {
    public let name: String
    public let url: String
    public let server: LocalPostgres
}

/// The test process's one PostgreSQL cluster (fsync off, on loopback, temporary directory), started on
/// first use and stopped when the process exits. Tests never share a database: each asks for its own.
public actor TestPostgres {
    public static let shared = TestPostgres()
    private static let templateName = "novyse_template"

    // One-time set-up is held as a shared task, not a flag: an actor is reentrant across `await`, and two
    // tests arriving together must wait for the same start-up rather than both perform it.
    private var starting: Task<LocalPostgres, any Error>?
    private var templating: Task<Void, any Error>?
    private var counter = 0

    /// The running cluster, started on first use.
    public func cluster() async throws -> LocalPostgres {
        if starting == nil {
            starting = Task {
                let started = try await LocalPostgres.start(durable: false)
                TestCleanup.register { started.stopBlocking() }
                return started
            }
        }
        return try await starting!.value
    }

    /// A new empty database; `migrated` copies the template that has every migration applied.
    public func makeDatabase(migrated: Bool = true) async throws -> TestDatabase {
        let server = try await cluster()
        if migrated { try await prepareTemplate(on: server) }
        counter += 1
        let name = "test_\(getpid())_\(counter)"
        let template = migrated ? Self.templateName : "template0"
        try await withPostgresClient(url: server.url(database: "postgres")) { client in
            // Identifiers cannot be bound parameters; both names are generated here, never user input.
            try await client.query(PostgresQuery(unsafeSQL: #"CREATE DATABASE "\#(name)" TEMPLATE "\#(template)""#))
        }
        return TestDatabase(name: name, url: server.url(database: name), server: server)
    }

    private func prepareTemplate(on server: LocalPostgres) async throws {
        if templating == nil {
            templating = Task {
                try await server.createDatabase(Self.templateName)
                try await withPostgresClient(url: server.url(database: Self.templateName)) { client in
                    try await Migrator().migrate(client: client, logger: Logger.quiet("test.migrate"))
                }
            }
        }
        try await templating!.value
    }
}
