/// The body of `messages:send` for a wake-up: data only (`{"type": "sync"}`), no notification block and no
/// user content, so nothing private transits Google or Apple and the app decides what to show after it
/// has synced.
///
/// - Android: `priority: high` so a dozing device delivers it now; `collapse_key` so FCM keeps only the
///   newest undelivered wake-up of a device.
/// - APNs: a background push (`apns-push-type: background`, `apns-priority: 5`, as Apple requires for
///   `content-available` pushes), collapsed with `apns-collapse-id`.
///
/// Field names follow the FCM HTTP v1 `Message` resource (`AndroidConfig.collapse_key`,
/// `ApnsConfig.headers`/`payload`); the proto JSON mapping accepts the snake_case spelling.
public struct FCMWakeupMessage: Encodable, Sendable, Equatable {
    public static let collapseKey = "sync"

    public let message: Message

    public init(token: String) {
        message = Message(token: token)
    }

    public struct Message: Encodable, Sendable, Equatable {
        public let token: String
        public let data: [String: String] = ["type": "sync"]
        public let android = Android()
        public let apns = APNs()
    }

    public struct Android: Encodable, Sendable, Equatable {
        public let priority = "high"
        public let collapseKey = FCMWakeupMessage.collapseKey

        enum CodingKeys: String, CodingKey {
            case priority
            case collapseKey = "collapse_key"
        }
    }

    public struct APNs: Encodable, Sendable, Equatable {
        public let headers: [String: String] = [
            "apns-push-type": "background",
            "apns-priority": "5",
            "apns-collapse-id": FCMWakeupMessage.collapseKey,
        ]
        public let payload = Payload()
    }

    public struct Payload: Encodable, Sendable, Equatable {
        public let aps = APS()
    }

    public struct APS: Encodable, Sendable, Equatable {
        public let contentAvailable = 1

        enum CodingKeys: String, CodingKey {
            case contentAvailable = "content-available"
        }
    }
}
