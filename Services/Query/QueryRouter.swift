import Hummingbird
import NovyseService
import NovyseStorage

/// The query service's whole HTTP surface, built from its dependencies: the shared middleware and health
/// endpoints, the read routes behind `AuthenticationMiddleware`, and `GET /openapi.json` (open). The
/// `@main` serves it; tests drive it in process with HummingbirdTesting (`app.test(.router)`).
enum QueryRouter {
    static func build(_ dependencies: QueryDependencies) -> Router<NovyseRequestContext> {
        let shared = dependencies.shared
        let router = ServiceRouter.make(shared)
        let authenticated = router.group().add(middleware: AuthenticationMiddleware(tokens: shared.tokens))
        QueryRoutes(
            store: QueryStore(client: shared.postgres, logger: shared.logger, afterProbe: dependencies.afterProbe),
            configuration: dependencies.configuration
        ).register(on: authenticated)
        OpenAPIRoute(document: QueryOpenAPI.document).register(on: router)
        shared.routes.record(router)
        return router
    }
}
