import NovyseService

/// What the query routes run on: the shared router dependencies and `NOVYSE_QUERY_*`, gathered once so the
/// `@main` and the in-process route tests build the same router (`QueryRouter.build`). Redis is there only
/// for readiness: the read side answers from Postgres alone.
struct QueryDependencies: Sendable {
    let shared: RouterDependencies
    let configuration: QueryConfiguration
    /// A test's seam between an update's "nothing changed" probe and its answer (`QueryStore.afterProbe`).
    var afterProbe: (@Sendable () async throws -> Void)?

    init(_ shared: RouterDependencies, configuration: QueryConfiguration) {
        self.shared = shared
        self.configuration = configuration
    }

    /// The process's own: the runtime's clients, and `NOVYSE_QUERY_*` from `environment`.
    init(runtime: ServiceRuntime, environment: EnvironmentReader) throws {
        self.init(RouterDependencies(runtime: runtime), configuration: try QueryConfiguration(environment: environment))
    }
}
