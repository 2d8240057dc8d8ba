import NovyseService

/// Consumes the published event streams and maintains the snapshot tables; serves only health and metrics.
@main
struct ProjectorWorkerMain {
    static func main() async {
        await ServiceLauncher.run(.projector)
    }
}
