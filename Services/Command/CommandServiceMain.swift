import NovyseService

/// The write side: validates and authorizes mutations and commits them to the event tables.
@main
struct CommandServiceMain {
    static func main() async {
        await ServiceLauncher.run(.command)
    }
}
