import Foundation
import NovyseCore
import NovyseService
import NovyseSocketIO

/// The fan-out service's own settings (`NOVYSE_FANOUT_*`), beside the shared `ServiceConfiguration`.
struct FanoutConfiguration: Sendable {
    /// The Engine.IO and Socket.IO settings, the caps on unauthenticated sessions and the queue bounds
    /// included.
    var socketIO: SocketIOConfiguration
    /// Most live sockets one user may have on this process (`TOO_MANY_SOCKETS` beyond).
    var maxSocketsPerUser: Int
    /// How a handshake's client address is found, for the per-address cap (`NOVYSE_CLIENT_ADDRESS_HEADER`).
    var clientAddress: ClientAddress
    /// This process's name in presence entries; unique per process.
    var instance: String
    /// Entries per `XREAD` and partition.
    var batchSize: Int
    /// How long one `XREAD` waits (also bounds shutdown).
    var block: Duration
    /// How often the reader checks that no partition was recreated behind its position (Redis data loss).
    var positionCheck: Duration
    /// How long a presence entry lives without refresh: a process that dies is forgotten after this.
    var presenceTTL: Duration
    /// How often this process refreshes the presence of its devices.
    var presenceRefresh: Duration
    /// Chats whose member lists are kept in memory.
    var membershipCacheSize: Int
    /// Latest messages carried by `chat:new`.
    var chatNewMessages: Int
    /// Most members (and their profiles) a `chat:new` lists: `NOVYSE_FANOUT_CHAT_NEW_MEMBERS` (100).
    var chatNewMembers: Int

    /// `NOVYSE_FANOUT_PING_INTERVAL_MS` (25000), `NOVYSE_FANOUT_PING_TIMEOUT_MS` (20000),
    /// `NOVYSE_FANOUT_MAX_PAYLOAD` (1000000 bytes), `NOVYSE_FANOUT_QUEUE_LIMIT` (1024 packets per socket),
    /// `NOVYSE_FANOUT_QUEUE_BYTES` (1048576 per socket), `NOVYSE_FANOUT_CONNECT_TIMEOUT_MS` (10000: the
    /// deadline to authenticate), `NOVYSE_FANOUT_MAX_UNAUTHENTICATED` (10000 sessions),
    /// `NOVYSE_FANOUT_MAX_UNAUTHENTICATED_PER_ADDRESS` (50), `NOVYSE_FANOUT_MAX_SOCKETS_PER_USER` (16),
    /// `NOVYSE_FANOUT_INSTANCE` (host-pid-random), `NOVYSE_FANOUT_BATCH` (500), `NOVYSE_FANOUT_BLOCK_MS` (1000),
    /// `NOVYSE_FANOUT_POSITION_CHECK_MS` (5000),
    /// `NOVYSE_FANOUT_PRESENCE_TTL_MS` (30000), `NOVYSE_FANOUT_PRESENCE_REFRESH_MS` (10000),
    /// `NOVYSE_FANOUT_MEMBERSHIP_CACHE` (10000 chats), `NOVYSE_FANOUT_CHAT_NEW_MESSAGES` (50).
    init(environment: EnvironmentReader = EnvironmentReader()) throws {
        socketIO = SocketIOConfiguration(
            pingInterval: try environment.milliseconds("NOVYSE_FANOUT_PING_INTERVAL_MS", default: .seconds(25)),
            pingTimeout: try environment.milliseconds("NOVYSE_FANOUT_PING_TIMEOUT_MS", default: .seconds(20)),
            maxPayload: try environment.int("NOVYSE_FANOUT_MAX_PAYLOAD", default: 1_000_000, range: 1024...100_000_000),
            maxQueuedPackets: try environment.int("NOVYSE_FANOUT_QUEUE_LIMIT", default: 1024, range: 8...1_000_000),
            maxQueuedBytes: try environment.int("NOVYSE_FANOUT_QUEUE_BYTES", default: 1_048_576, range: 1024...1_000_000_000),
            connectTimeout: .milliseconds(
                try environment.int("NOVYSE_FANOUT_CONNECT_TIMEOUT_MS", default: 10_000, range: 1...3_600_000)
            ),
            maxUnauthenticatedSessions: try environment.int(
                "NOVYSE_FANOUT_MAX_UNAUTHENTICATED", default: 10_000, range: 1...10_000_000
            ),
            maxUnauthenticatedSessionsPerAddress: try environment.int(
                "NOVYSE_FANOUT_MAX_UNAUTHENTICATED_PER_ADDRESS", default: 50, range: 1...10_000_000
            ),
            expiryNotice: SocketIONotice(
                event: "server:disconnect", code: AuthError.tokenExpired.code.rawValue, message: AuthError.tokenExpired.message
            )
        )
        maxSocketsPerUser = try environment.int("NOVYSE_FANOUT_MAX_SOCKETS_PER_USER", default: 16, range: 1...100_000)
        clientAddress = try ClientAddress(environment: environment)
        instance = environment.string("NOVYSE_FANOUT_INSTANCE") ?? Self.defaultInstance()
        batchSize = try environment.int("NOVYSE_FANOUT_BATCH", default: 500, range: 1...100_000)
        block = try environment.milliseconds("NOVYSE_FANOUT_BLOCK_MS", default: .seconds(1))
        positionCheck = try environment.milliseconds("NOVYSE_FANOUT_POSITION_CHECK_MS", default: .seconds(5))
        presenceTTL = try environment.milliseconds("NOVYSE_FANOUT_PRESENCE_TTL_MS", default: .seconds(30))
        presenceRefresh = try environment.milliseconds("NOVYSE_FANOUT_PRESENCE_REFRESH_MS", default: .seconds(10))
        membershipCacheSize = try environment.int("NOVYSE_FANOUT_MEMBERSHIP_CACHE", default: 10_000, range: 0...10_000_000)
        chatNewMessages = try environment.int("NOVYSE_FANOUT_CHAT_NEW_MESSAGES", default: 50, range: 0...1000)
        chatNewMembers = try environment.int("NOVYSE_FANOUT_CHAT_NEW_MEMBERS", default: 100, range: 1...10_000)
        guard presenceRefresh < presenceTTL else {
            throw ConfigurationError(key: "NOVYSE_FANOUT_PRESENCE_REFRESH_MS", reason: "must be shorter than NOVYSE_FANOUT_PRESENCE_TTL_MS")
        }
    }

    static func defaultInstance() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "fanout"
        return "\(host)-\(getpid())-\(String(UInt16.random(in: 0...UInt16.max), radix: 16))"
    }
}
