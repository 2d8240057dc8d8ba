/// The four kinds of ordered stream a client holds a cursor for (invariants I1, I2).
///
/// A chat has two streams (its events and its messages), a user has two (public profile events and private
/// local events). The raw value is what Postgres stores in `novyse.streams.kind`, so it must never change.
public enum StreamKind: Int16, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case chatEvents = 1
    case chatMessages = 2
    case profileEvents = 3
    case localEvents = 4

    /// Stable short name used in Redis entries, logs and metrics labels.
    public var description: String {
        switch self {
        case .chatEvents: "chat-events"
        case .chatMessages: "chat-messages"
        case .profileEvents: "profile-events"
        case .localEvents: "local-events"
        }
    }

    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = kind
    }
}
