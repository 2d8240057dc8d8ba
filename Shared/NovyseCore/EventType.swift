/// Chat events (seed §"Chat Events"): synchronized only with the chat's current members.
public enum ChatEventType: String, Sendable, Codable, CaseIterable {
    case messageEdited = "MESSAGE_EDITED"
    case reactionAdded = "REACTION_ADDED"
    case reactionRemoved = "REACTION_REMOVED"
    case messageDeleted = "MESSAGE_DELETED"
    case messagePinned = "MESSAGE_PINNED"
    case messageUnpinned = "MESSAGE_UNPINNED"
    case memberJoined = "MEMBER_JOINED"
    case memberLeft = "MEMBER_LEFT"
    /// The owner made a member an admin or a member again, or handed ownership over (`payload.current`:
    /// the role now; the envelope's `userUUID` is the member whose role changed).
    case memberRoleChanged = "MEMBER_ROLE_CHANGED"
}

/// Public profile events (seed §"User Profile Events"): the owner sees the full log, contacts only the latest
/// event of each type.
public enum ProfileEventType: String, Sendable, Codable, CaseIterable {
    case bioChanged = "BIO_CHANGED"
    case pictureChanged = "PICTURE_CHANGED"
    case bannerChanged = "BANNER_CHANGED"
    case nameChanged = "NAME_CHANGED"
    case surnameChanged = "SURNAME_CHANGED"
    case birthdayChanged = "BIRTHDAY_CHANGED"
    case colorChanged = "COLOR_CHANGED"
    case handleChanged = "HANDLE_CHANGED"

    /// The payload field (and profile field) this event changes, as named on the wire.
    public var field: String {
        switch self {
        case .bioChanged: "biography"
        case .pictureChanged: "profilePictureUUID"
        case .bannerChanged: "bannerPictureUUID"
        case .nameChanged: "name"
        case .surnameChanged: "surname"
        case .birthdayChanged: "birthday"
        case .colorChanged: "color"
        case .handleChanged: "handle"
        }
    }
}

/// Private (local) events: a user's own settings, delivered only to that user's devices.
public enum LocalEventType: String, Sendable, Codable, CaseIterable {
    case chatPinned = "CHAT_PINNED"
    case chatUnpinned = "CHAT_UNPINNED"
    case chatMuted = "CHAT_MUTED"
    case chatUnmuted = "CHAT_UNMUTED"
    case themeChanged = "THEME_CHANGED"
    case folderUpdated = "FOLDER_UPDATED"
    case folderDeleted = "FOLDER_DELETED"
}
