import CoreMetrics
import Logging
import NovyseService
import NovyseSocketIO

/// Authenticates sockets with the service's access tokens and keeps the registry and presence in step
/// with connects and disconnects. Clients send nothing but their CONNECT: every other client event is
/// ignored (all mutations go through the command service's HTTP API).
struct FanoutSocketHandler: SocketIOHandler {
    typealias Identity = Principal

    let tokens: TokenAuthority
    let registry: SocketRegistry
    let presence: Presence
    let metrics: FanoutMetrics
    let logger: Logger

    func authenticate(auth: JSON?, handshake: SocketIOHandshake) async -> SocketIOAuthDecision<Principal> {
        guard let token = auth?["token"]?.stringValue else {
            metrics.refused.increment()
            return .reject(code: AuthError.noToken.code, message: AuthError.noToken.message)
        }
        do {
            return .accept(try await tokens.verify(token: token))
        } catch {
            metrics.refused.increment()
            return .reject(code: error.code, message: error.message)
        }
    }

    func connected(_ socket: SocketIOSocket<Principal>) {
        metrics.connects.increment()
        guard registry.add(socketID: socket.id, principal: socket.identity) else { return }
        let device = SocketRegistry.Device(userUUID: socket.identity.userID, deviceID: socket.identity.deviceID)
        Task { [presence, logger] in
            do { try await presence.markOnline([device]) } catch {
                logger.warning("presence update failed", metadata: ["error": "\(error)"])
            }
        }
    }

    func disconnected(_ socket: SocketIOSocket<Principal>, reason: SocketIODisconnectReason) {
        metrics.disconnects(reason).increment()
        guard let device = registry.remove(socketID: socket.id) else { return }
        Task { [presence] in try? await presence.markOffline(device) }
    }
}
