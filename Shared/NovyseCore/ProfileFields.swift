import Foundation

/// A user's public profile fields, named as on the wire. Used for the creation record and the snapshot.
public struct ProfileFields: Codable, Sendable, Equatable {
    public var handle: String
    public var name: String
    public var surname: String
    public var biography: String
    public var profilePictureUUID: UUID?
    public var bannerPictureUUID: UUID?
    /// ISO date, `YYYY-MM-DD`.
    public var birthday: String?
    public var color: String?

    public init(
        handle: String, name: String, surname: String = "", biography: String = "",
        profilePictureUUID: UUID? = nil, bannerPictureUUID: UUID? = nil, birthday: String? = nil, color: String? = nil
    ) {
        self.handle = handle
        self.name = name
        self.surname = surname
        self.biography = biography
        self.profilePictureUUID = profilePictureUUID
        self.bannerPictureUUID = bannerPictureUUID
        self.birthday = birthday
        self.color = color
    }
}
