import Foundation

/// A validated `PATCH /user/profile`: each present field becomes one profile event (seed: one event per
/// changed field). `null` clears the optional fields (pictures, birthday, color); the texts cannot be null.
public struct ProfileUpdate: Sendable, Equatable {
    /// The requested values, keyed by the event that records them, in a stable order.
    public let changes: [(type: ProfileEventType, value: JSONValue)]

    public static func == (lhs: ProfileUpdate, rhs: ProfileUpdate) -> Bool {
        lhs.changes.map(\.type) == rhs.changes.map(\.type) && lhs.changes.map(\.value) == rhs.changes.map(\.value)
    }

    public init(body: [String: JSONValue]) throws(CommandError) {
        let known = Dictionary(uniqueKeysWithValues: ProfileEventType.allCases.map { ($0.field, $0) })
        if let unknown = body.keys.sorted().first(where: { known[$0] == nil }) {
            throw CommandError(.unknownField, message: "unknown field \(unknown)")
        }
        guard !body.isEmpty else {
            throw CommandError(.emptyUpdate, message: "name at least one profile field")
        }
        var changes: [(ProfileEventType, JSONValue)] = []
        for type in ProfileEventType.allCases {
            guard let value = body[type.field] else { continue }
            changes.append((type, try Self.validate(type, value)))
        }
        self.changes = changes
    }

    private static func validate(_ type: ProfileEventType, _ value: JSONValue) throws(CommandError) -> JSONValue {
        let field = type.field
        if case .string(let text) = value, text.unicodeScalars.contains("\u{0}") {
            throw .invalid(field, "must not contain NUL characters")
        }
        switch (type, value) {
        case (.handleChanged, .string(let handle)):
            guard Limits.isValidHandle(handle) else { throw .invalid(field, "3–32 letters, digits, '_' or '.'") }
        case (.nameChanged, .string(let text)):
            guard Limits.name.contains(text.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.count),
                Limits.name.contains(text.unicodeScalars.count)
            else { throw .invalid(field, "1–64 characters") }
        case (.surnameChanged, .string(let text)):
            guard Limits.surname.contains(text.unicodeScalars.count) else { throw .invalid(field, "at most 64 characters") }
        case (.bioChanged, .string(let text)):
            guard Limits.biography.contains(text.unicodeScalars.count) else { throw .invalid(field, "at most 500 characters") }
        case (.pictureChanged, .string(let text)), (.bannerChanged, .string(let text)):
            guard let uuid = UUID(uuidString: text) else { throw .invalid(field, "a UUID or null") }
            return .string(uuid.uuidString.lowercased())
        case (.birthdayChanged, .string(let text)):
            guard Limits.isValidBirthday(text) else { throw .invalid(field, "a date YYYY-MM-DD or null") }
        case (.colorChanged, .string(let text)):
            guard Limits.isValidColor(text) else { throw .invalid(field, "#RRGGBB or null") }
            return .string(text.uppercased())
        case (.pictureChanged, .null), (.bannerChanged, .null), (.birthdayChanged, .null), (.colorChanged, .null):
            break
        default:
            throw .invalid(field, "wrong type")
        }
        return value
    }
}
