import Hummingbird
import Logging

/// The router every HTTP service starts from: the shared middleware (metrics, request logs, error
/// envelope) and the health and metrics endpoints. A service's router builder (`CommandRouter`,
/// `QueryRouter`) adds its own routes to it, so the router a test drives in process is the one the
/// binary serves.
public enum ServiceRouter {
    /// `routes` is the table the error middleware reads to answer 405 for a known path; the builder records
    /// into it once its routes are in place.
    public static func make(readiness: ReadinessProbe, routes: RouteTable) -> Router<NovyseRequestContext> {
        let router = Router(context: NovyseRequestContext.self)
        // Outermost first: metrics and request logs must see the status the client gets, so they wrap the
        // middleware that turns errors into envelopes.
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(LogRequestsMiddleware(.debug))
        router.middlewares.add(ErrorEnvelopeMiddleware(routes: routes))
        HealthRoutes(readiness: readiness).register(on: router)
        return router
    }

    /// The base router for `dependencies`.
    public static func make(_ dependencies: RouterDependencies) -> Router<NovyseRequestContext> {
        make(readiness: dependencies.readiness, routes: dependencies.routes)
    }
}
