import Foundation
import Logging
import PostgresNIO

/// The push tokens of `novyse.devices`, as the wake-up sender needs them.
///
/// Tokens are read at send time rather than carried in the wake-up queue, so a token the device replaced
/// or removed in between is never used, and nothing that identifies a device to Google sits in Redis.
/// Every statement binds its parameters.
public struct PushTokenStore: Sendable {
    /// One device's identity and its current token.
    public struct DeviceToken: Sendable, Hashable {
        public let userUUID: UUID
        public let deviceID: String
        public let token: String

        public init(userUUID: UUID, deviceID: String, token: String) {
            self.userUUID = userUUID
            self.deviceID = deviceID
            self.token = token
        }
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The current tokens of the given devices, in one round trip; devices without a token (or unknown)
    /// are absent from the result.
    public func tokens(for devices: [(userUUID: UUID, deviceID: String)]) async throws -> [DeviceToken] {
        guard !devices.isEmpty else { return [] }
        let users = devices.map(\.userUUID)
        let ids = devices.map(\.deviceID)
        let rows = try await client.query(
            """
            SELECT d.user_uuid, d.device_id, d.push_token
            FROM novyse.devices d
            JOIN unnest(\(users)::uuid[], \(ids)::text[]) AS wanted (user_uuid, device_id)
              ON d.user_uuid = wanted.user_uuid AND d.device_id = wanted.device_id
            WHERE d.push_token IS NOT NULL
            """,
            logger: logger
        )
        var found: [DeviceToken] = []
        for try await (user, device, token) in rows.decode((UUID, String, String).self) {
            found.append(DeviceToken(userUUID: user, deviceID: device, token: token))
        }
        return found
    }

    /// The current token of one device, nil without one.
    public func token(userUUID: UUID, deviceID: String) async throws -> String? {
        try await tokens(for: [(userUUID, deviceID)]).first?.token
    }

    /// For routing: which devices of `users` have a token, per user. A device without one can only be
    /// reached over its socket.
    public func devicesWithToken(users: [UUID]) async throws -> [UUID: [String]] {
        guard !users.isEmpty else { return [:] }
        let rows = try await client.query(
            """
            SELECT user_uuid, device_id FROM novyse.devices
            WHERE user_uuid = ANY(\(users)::uuid[]) AND push_token IS NOT NULL
            """,
            logger: logger
        )
        var devices: [UUID: [String]] = [:]
        for try await (user, device) in rows.decode((UUID, String).self) {
            devices[user, default: []].append(device)
        }
        return devices
    }

    /// Removes a token FCM reported dead, only where the device still holds exactly that token: if the
    /// app registered a new one meanwhile, the new one stays. Returns whether a row changed.
    @discardableResult
    public func removeToken(_ token: String, userUUID: UUID, deviceID: String) async throws -> Bool {
        let rows = try await client.query(
            """
            UPDATE novyse.devices SET push_token = NULL, updated_at = now()
            WHERE user_uuid = \(userUUID) AND device_id = \(deviceID) AND push_token = \(token)
            RETURNING 1
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }
}
