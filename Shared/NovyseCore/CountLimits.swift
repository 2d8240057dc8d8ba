/// How many of a thing may accumulate, per chat, per message or per user: the limits a single field's
/// validation cannot see, checked against the write model inside the mutation's transaction.
///
/// Each check runs after the mutation has locked the stream it appends to (the chat's events, the user's
/// local events), so two concurrent mutations cannot both pass at the limit. A refusal is 422
/// `LIMIT_REACHED` naming the limit and its value, and writes nothing. Configurable per deployment
/// (`CountLimits+Environment` in the command service); the defaults bound what one user can make every
/// member's device download.
public struct CountLimits: Sendable, Equatable {
    /// Active members of one group or channel, the creator included (`NOVYSE_LIMIT_CHAT_MEMBERS`).
    public var chatMembers: Int
    /// Pinned messages of one chat (`NOVYSE_LIMIT_PINNED_MESSAGES`).
    public var pinnedMessages: Int
    /// Folders of one user (`NOVYSE_LIMIT_FOLDERS`).
    public var folders: Int
    /// Reactions one user has on one message (`NOVYSE_LIMIT_REACTIONS_PER_USER`).
    public var reactionsPerUser: Int
    /// Distinct reactions on one message, all users together (`NOVYSE_LIMIT_DISTINCT_REACTIONS`).
    public var distinctReactions: Int

    public init(
        chatMembers: Int = 1000, pinnedMessages: Int = 50, folders: Int = 100, reactionsPerUser: Int = 3,
        distinctReactions: Int = 50
    ) {
        self.chatMembers = chatMembers
        self.pinnedMessages = pinnedMessages
        self.folders = folders
        self.reactionsPerUser = reactionsPerUser
        self.distinctReactions = distinctReactions
    }

    /// Each limit's name (as `LIMIT_REACHED` messages give it), environment variable and allowed range.
    public static var settings: [(name: String, key: String, range: ClosedRange<Int>, path: WritableKeyPath<CountLimits, Int>)] {
        [
            ("chatMembers", "NOVYSE_LIMIT_CHAT_MEMBERS", 2...100_000, \.chatMembers),
            ("pinnedMessages", "NOVYSE_LIMIT_PINNED_MESSAGES", 1...1000, \.pinnedMessages),
            ("folders", "NOVYSE_LIMIT_FOLDERS", 1...1000, \.folders),
            ("reactionsPerUser", "NOVYSE_LIMIT_REACTIONS_PER_USER", 1...100, \.reactionsPerUser),
            ("distinctReactions", "NOVYSE_LIMIT_DISTINCT_REACTIONS", 1...1000, \.distinctReactions),
        ]
    }
}

extension CommandError {
    /// 422 `LIMIT_REACHED`: the message names the limit and its value, e.g. `chatMembers (1000)`.
    public static func limitReached(_ name: String, _ value: Int) -> CommandError {
        CommandError(.limitReached, message: "limit \(name) (\(value)) reached")
    }
}
