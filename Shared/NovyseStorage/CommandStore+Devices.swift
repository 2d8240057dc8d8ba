import Foundation
import Logging
import NovyseCore
import PostgresNIO

extension CommandStore {
    /// The first key of the two-key advisory locks on push tokens ("NoPt"); the two-key space never overlaps
    /// the one-key locks of the relay and the migrator.
    static let pushTokenLockSpace: Int32 = 0x4E6F_5074

    /// Registers the calling device's push token (a token moves with the device that presents it last).
    ///
    /// Two devices presenting the same token at once would both find nobody to take it from and both insert
    /// it, and the second would hit `devices_push_token_unique` (a 500). A transaction-scoped lock on the
    /// token, in its own statement so the next statement's snapshot sees the other's commit, serializes
    /// them: the later one takes the token from the earlier, as if they had come one after the other.
    /// Must run inside a transaction (the command route's).
    public func setPushToken(
        _ token: String?, user: UUID, device: String, on connection: PostgresConnection
    ) async throws -> DeviceUpdated {
        if let token {
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(Self.pushTokenLockSpace), hashtext(\(token)))", logger: logger
            )
            try await connection.query(
                """
                UPDATE novyse.devices SET push_token = NULL, updated_at = now()
                WHERE push_token = \(token) AND NOT (user_uuid = \(user) AND device_id = \(device))
                """,
                logger: logger
            )
        }
        try await connection.query(
            """
            INSERT INTO novyse.devices (user_uuid, device_id, push_token) VALUES (\(user), \(device), \(token))
            ON CONFLICT (user_uuid, device_id) DO UPDATE SET push_token = EXCLUDED.push_token, updated_at = now()
            """,
            logger: logger
        )
        return DeviceUpdated(deviceID: device)
    }
}
