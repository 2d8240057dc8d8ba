import Foundation

/// The input limits of the command API. Documented in docs/api.md; changing one is an API change.
/// Lengths count Unicode scalars (code points), as JSON Schema's `minLength`/`maxLength` do, so the OpenAPI
/// bounds are the services' bounds exactly.
public enum Limits {
    public static let messageContent = 1...4000  // characters; not only whitespace
    public static let reaction = 1...32  // one emoji or a short code
    public static let chatName = 1...128
    public static let groupMembers = 0...500  // other members given at creation
    public static let handle = 3...32  // letters, digits, '_' and '.'
    public static let name = 1...64
    public static let surname = 0...64
    public static let biography = 0...500
    public static let theme = 1...32
    public static let folderID = 1...64
    public static let folderName = 1...64
    public static let folderChats = 0...500
    public static let pinPosition = 0...10_000
    public static let pushToken = 1...4096
    public static let idempotencyKey = 1...255

    /// `3–32` of letters, digits, `_` or `.`.
    public static func isValidHandle(_ handle: String) -> Bool {
        self.handle.contains(handle.unicodeScalars.count)
            && handle.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == ".") }
    }

    /// `#RRGGBB`.
    public static func isValidColor(_ color: String) -> Bool {
        color.count == 7 && color.first == "#" && color.dropFirst().allSatisfy(\.isHexDigit)
    }

    /// A real calendar date `YYYY-MM-DD` from 1900 up to today (UTC).
    public static func isValidBirthday(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1900...2100).contains(year), (1...12).contains(month)
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return false }
        return text <= String(Timestamp.format(Date()).prefix(10))
    }
}
