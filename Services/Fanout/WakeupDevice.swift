import Foundation

/// A device to wake: the fan-out routing queues one for every recipient device without a live socket.
/// Only the identity travels through Redis; the push token is read from Postgres when the wake-up is sent.
struct WakeupDevice: Hashable, Sendable {
    let userUUID: UUID
    let deviceID: String

    init(userUUID: UUID, deviceID: String) {
        self.userUUID = userUUID
        self.deviceID = deviceID
    }

    /// `<lowercased user UUID>:<device ID>`: the member of the trailing set and the suffix of the
    /// coalescing key. The UUID has a fixed length (36), so the device ID may contain any character.
    var member: String { "\(userUUID.uuidString.lowercased()):\(deviceID)" }

    /// Parses `member`; nil for anything else.
    init?(member: String) {
        guard member.count > 37 else { return nil }
        let separator = member.index(member.startIndex, offsetBy: 36)
        guard member[separator] == ":", let user = UUID(uuidString: String(member[..<separator])) else { return nil }
        let device = String(member[member.index(after: separator)...])
        guard !device.isEmpty else { return nil }
        self.init(userUUID: user, deviceID: device)
    }
}
