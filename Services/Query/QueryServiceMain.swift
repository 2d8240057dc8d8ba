import NovyseService

/// The read side: answers `GET /user/initialize`, `POST /user/update` and `GET /chat/history`.
@main
struct QueryServiceMain {
    static func main() async {
        await ServiceLauncher.run(.query)
    }
}
