import NovyseService
import NovyseStorage

/// The read side: answers `GET /user/initialize`, `POST /user/update` and `GET /chat/history` from the
/// snapshot the projector maintains.
@main
struct QueryServiceMain {
    static func main() async {
        await ServiceLauncher.run(.query) { runtime, router in
            let configuration = try QueryConfiguration(environment: EnvironmentReader())
            QueryRoutes(
                store: QueryStore(client: runtime.postgres, logger: runtime.logger),
                tokens: runtime.tokens,
                configuration: configuration
            ).register(on: router)
            OpenAPIRoute(document: QueryOpenAPI.document).register(on: router)
            return []
        }
    }
}
