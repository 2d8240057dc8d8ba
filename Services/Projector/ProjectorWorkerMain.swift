import NovyseCore
import NovyseService
import NovyseStorage

/// Consumes the published event streams and maintains the snapshot tables; serves only health and metrics.
@main
struct ProjectorWorkerMain {
    static func main() async {
        await ServiceLauncher.run(.projector) { runtime, _ in
            var worker = ProjectorWorker(
                store: ProjectorStore(client: runtime.postgres, logger: runtime.logger),
                redis: runtime.redis,
                layout: runtime.configuration.pipelineLayout,
                configuration: try ProjectorConfiguration(),
                logger: runtime.logger
            )
            worker.schemaReady = { await runtime.schema.ready() }
            return [worker]
        }
    }
}
