import NovyseService

/// The read side: answers `GET /user/initialize`, `POST /user/update`, `GET /chat/history` and
/// `GET /chat/members` from the snapshot the projector maintains.
@main
struct QueryServiceMain {
    static func main() async {
        await ServiceLauncher.run(
            .query,
            routerSetup: { runtime in
                (QueryRouter.build(try QueryDependencies(runtime: runtime, environment: EnvironmentReader())), [])
            })
    }
}
