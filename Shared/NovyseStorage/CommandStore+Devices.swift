import Foundation
import Logging
import NovyseCore
import PostgresNIO

extension CommandStore {
    /// Registers the calling device's push token (a token moves with the device that presents it last).
    public func setPushToken(
        _ token: String?, user: UUID, device: String, on connection: PostgresConnection
    ) async throws -> DeviceUpdated {
        if let token {
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
