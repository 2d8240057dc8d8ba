import Hummingbird
import NovyseService
import NovyseStorage

/// The command service's whole HTTP surface, built from its dependencies: the shared middleware and health
/// endpoints, the mutations behind `AuthenticationMiddleware`, the admin endpoints behind
/// `AdminTokenMiddleware`, and `GET /openapi.json` (open). The `@main` serves it; tests drive it in process
/// with HummingbirdTesting (`app.test(.router)`).
enum CommandRouter {
    static func build(_ dependencies: CommandDependencies) -> Router<NovyseRequestContext> {
        let shared = dependencies.shared
        let router = ServiceRouter.make(shared)
        let authenticated = router.group()
            .add(middleware: AuthenticationMiddleware(tokens: shared.tokens, rateLimits: dependencies.rateLimits))
        CommandRoutes(route: MutationRoute(store: dependencies.store, onCommit: dependencies.onCommit))
            .register(on: authenticated)
        let admin = router.group()
            .add(middleware: AdminTokenMiddleware(adminToken: dependencies.adminToken, rateLimits: dependencies.rateLimits))
        AdminRoutes(
            users: UserRepository(client: shared.postgres, logger: shared.logger), tokens: shared.tokens,
            onCommit: dependencies.onCommit
        ).register(on: admin)
        OpenAPIRoute(document: CommandOpenAPI.document).register(on: router)
        shared.routes.record(router)
        return router
    }
}
