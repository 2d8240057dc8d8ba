import CoreMetrics
import NovyseCore
import NovyseService
import NovyseSocketIO
import NovyseStorage
import ServiceLifecycle

/// Real-time delivery: Socket.IO pushes to connected devices, FCM wake-ups for offline ones.
@main
struct FanoutServiceMain {
    static func main() async {
        await ServiceLauncher.run(.fanout) { runtime, router in
            let configuration = try FanoutConfiguration()
            let wakeupConfiguration = try WakeupConfiguration(prefix: runtime.configuration.redisPrefix)
            let metrics = FanoutMetrics()
            let registry = SocketRegistry()
            let presence = Presence(
                redis: runtime.redis, keyspace: runtime.configuration.keyspace, instance: configuration.instance,
                ttl: configuration.presenceTTL
            )
            let handler = FanoutSocketHandler(
                tokens: runtime.tokens, registry: registry, presence: presence,
                quota: UserSocketQuota(limit: configuration.maxSocketsPerUser), metrics: metrics, logger: runtime.logger
            )
            let sockets = SocketIOServer(
                configuration: configuration.socketIO, handler: handler, logger: runtime.logger,
                clientAddress: { [addresses = configuration.clientAddress] in addresses.of(headers: $0, peer: $1) }
            )
            sockets.registerRoutes(on: router)
            let store = FanoutStore(client: runtime.postgres, logger: runtime.logger)
            let fanout = FanoutRouter(
                server: sockets, registry: registry, store: store,
                planner: FanoutPlanner(
                    store: store, memberships: MembershipTimeline(store: store, capacity: configuration.membershipCacheSize),
                    chatNewMessages: configuration.chatNewMessages, chatNewMembers: configuration.chatNewMembers
                ),
                presence: presence, wakeups: WakeupQueue(redis: runtime.redis, configuration: wakeupConfiguration),
                redis: runtime.redis, keyspace: runtime.configuration.keyspace, metrics: metrics, logger: runtime.logger
            )
            let reader = PipelineReader(
                redis: runtime.redis,
                layout: runtime.configuration.pipelineLayout,
                router: fanout, batchSize: configuration.batchSize, block: configuration.block,
                positionCheck: configuration.positionCheck, logger: runtime.logger
            )
            let services: [any Service] = [
                SocketIOHeartbeat(server: sockets, registry: registry, metrics: metrics),
                reader,
                PresenceRefresher(
                    presence: presence, registry: registry, interval: configuration.presenceRefresh, logger: runtime.logger
                ),
                WakeupSender(
                    redis: runtime.redis, postgres: runtime.postgres, configuration: wakeupConfiguration, logger: runtime.logger
                ),
            ]
            return (services, sockets.webSocketUpgrade())
        }
    }
}

/// Runs the Socket.IO heartbeat (pings, timeouts, the connect deadline, token expiry) and publishes the
/// socket and session gauges; on shutdown closes every session.
struct SocketIOHeartbeat: Service {
    let server: SocketIOServer<FanoutSocketHandler>
    let registry: SocketRegistry
    let metrics: FanoutMetrics

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await server.run() }
                group.addTask {
                    while !Task.isCancelled {
                        metrics.connectedSockets.record(registry.socketCount)
                        let stats = server.stats
                        metrics.sessions.record(stats.sessions)
                        metrics.unauthenticatedSessions.record(stats.unauthenticatedSessions)
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
            }
        }
        server.closeAll()
    }
}

/// Long-polling GETs watch their connection (the context carries it), so a client that goes away mid-poll
/// ends its session at once.
extension NovyseRequestContext: SocketIOConnectionContext {}
