import CoreMetrics
import Foundation
import Logging
import NovyseCore
import NovyseService
import NovyseSocketIO

/// Authenticates sockets with the service's access tokens and keeps the registry and presence in step
/// with connects and disconnects. Clients send nothing but their CONNECT: every other client event is
/// ignored (all mutations go through the command service's HTTP API).
///
/// A socket lives no longer than its token: the token's `exp` goes to the Socket.IO server with the
/// identity, whose heartbeat sweep then disconnects the socket with `AUTH_TOKEN_EXPIRED`. Each user may
/// hold `quota.limit` live sockets here; one more is refused with `TOO_MANY_SOCKETS`.
struct FanoutSocketHandler: SocketIOHandler {
    typealias Identity = Principal

    let tokens: TokenAuthority
    let registry: SocketRegistry
    let presence: Presence
    let quota: UserSocketQuota
    let metrics: FanoutMetrics
    let logger: Logger

    func authenticate(auth: JSONValue?, handshake: SocketIOHandshake) async -> SocketIOAuthDecision<Principal> {
        guard let token = auth?["token"]?.stringValue else { return refuse(.noToken) }
        let principal: Principal
        do {
            principal = try await tokens.verify(token: token)
        } catch {
            return refuse(error)
        }
        guard quota.reserve(principal.userID) else { return refuse(.tooManySockets(limit: quota.limit)) }
        // The sweep works on the monotonic clock; `exp` is wall-clock time, converted once here.
        let expiresAt = principal.expiresAt.map { ContinuousClock.now + .seconds($0.timeIntervalSinceNow) }
        return .accept(principal, expiresAt: expiresAt)
    }

    private func refuse(_ error: AuthError) -> SocketIOAuthDecision<Principal> {
        metrics.refused(error.code.rawValue).increment()
        return .reject(code: error.code.rawValue, message: error.message)
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
        quota.release(socket.identity.userID)
        guard let device = registry.remove(socketID: socket.id) else { return }
        Task { [presence] in try? await presence.markOffline(device) }
    }

    func acceptAbandoned(_ identity: Principal) {
        quota.release(identity.userID)
    }

    func handshakeRefused(_ refusal: SocketIOHandshakeRefusal, address: String) {
        metrics.handshakesRefused(refusal).increment()
    }

    func unauthenticatedSessionClosed(reason: SocketIODisconnectReason) {
        metrics.unauthenticatedClosed(reason).increment()
    }
}
