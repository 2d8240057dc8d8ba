import Foundation
import Logging
import NovyseRedis
import ServiceLifecycle

/// Which devices have a live socket, on which fan-out process, in Redis: `RedisKeyspace.presence(user:device:)`
/// (`<prefix>:presence:<user>:<device>`) holds the process's instance name and expires after `ttl` unless
/// refreshed. A process that dies stops refreshing, so its devices are forgotten within `ttl` and get wake-ups again.
struct Presence: Sendable {
    let redis: RedisClient
    let keyspace: RedisKeyspace
    let instance: String
    let ttl: Duration

    func key(_ device: SocketRegistry.Device) -> String {
        keyspace.presence(user: device.userUUID, device: device.deviceID)
    }

    /// Sets every key with its expiry (`RedisScripts.presenceSet`), one round trip per chunk of 500.
    func markOnline(_ devices: [SocketRegistry.Device]) async throws {
        let milliseconds = String(ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000)
        for start in stride(from: 0, to: devices.count, by: 500) {
            let keys = devices[start..<min(start + 500, devices.count)].map(key)
            _ = try await redis.run(RedisScripts.presenceSet, keys: keys, arguments: [instance, milliseconds])
        }
    }

    /// Deletes the device's key while it still names this process (`RedisScripts.presenceRelease`).
    func markOffline(_ device: SocketRegistry.Device) async throws {
        _ = try await redis.run(RedisScripts.presenceRelease, keys: [key(device)], arguments: [instance])
    }

    /// The devices among `devices` that are online on any process.
    func online(_ devices: [SocketRegistry.Device]) async throws -> Set<SocketRegistry.Device> {
        guard !devices.isEmpty else { return [] }
        let reply = try await redis.send(["MGET"] + devices.map(key))
        guard case .array(let values) = reply, values.count == devices.count else {
            throw RedisError.unexpectedReply("MGET: \(reply)")
        }
        var online: Set<SocketRegistry.Device> = []
        for (device, value) in zip(devices, values) {
            if case .null = value { continue }
            online.insert(device)
        }
        return online
    }
}

/// Keeps this process's presence entries alive while it runs, and removes them when it stops.
struct PresenceRefresher: Service {
    let presence: Presence
    let registry: SocketRegistry
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await presence.markOnline(registry.devices)
                } catch {
                    logger.warning("presence refresh failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
        for device in registry.devices { try? await presence.markOffline(device) }
    }
}
