import Foundation
import NIOConcurrencyHelpers
import NovyseService

/// The sockets connected to this process, by user and device: what routing looks up for each item.
///
/// A short lock around two dictionaries; the Socket.IO server calls `add` and `remove` synchronously and in
/// order for every socket, so the table never holds a socket that is gone.
final class SocketRegistry: Sendable {
    struct Device: Hashable, Sendable {
        let userUUID: UUID
        let deviceID: String
    }

    private struct State {
        var byUser: [UUID: [String: Set<String>]] = [:]
        var bySocket: [String: Principal] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// Registers a socket; true when it is the device's first socket here.
    @discardableResult
    func add(socketID: String, principal: Principal) -> Bool {
        state.withLockedValue { state in
            state.bySocket[socketID] = principal
            var devices = state.byUser[principal.userID, default: [:]]
            let first = devices[principal.deviceID]?.isEmpty ?? true
            devices[principal.deviceID, default: []].insert(socketID)
            state.byUser[principal.userID] = devices
            return first
        }
    }

    /// Forgets a socket; returns its device when that was the device's last socket here.
    @discardableResult
    func remove(socketID: String) -> Device? {
        state.withLockedValue { state in
            guard let principal = state.bySocket.removeValue(forKey: socketID) else { return nil }
            var devices = state.byUser[principal.userID, default: [:]]
            devices[principal.deviceID]?.remove(socketID)
            let last = devices[principal.deviceID]?.isEmpty ?? true
            if last { devices.removeValue(forKey: principal.deviceID) }
            state.byUser[principal.userID] = devices.isEmpty ? nil : devices
            return last ? Device(userUUID: principal.userID, deviceID: principal.deviceID) : nil
        }
    }

    /// Every socket of the given users.
    func sockets(of users: some Sequence<UUID>) -> [String] {
        state.withLockedValue { state in
            var sockets: [String] = []
            for user in Set(users) {
                for ids in state.byUser[user]?.values ?? [:].values { sockets.append(contentsOf: ids) }
            }
            return sockets
        }
    }

    /// Every device with a socket here, for the presence refresh.
    var devices: [Device] {
        state.withLockedValue { state in
            state.byUser.flatMap { user, devices in devices.keys.map { Device(userUUID: user, deviceID: $0) } }
        }
    }

    var socketCount: Int { state.withLockedValue { $0.bySocket.count } }
}
