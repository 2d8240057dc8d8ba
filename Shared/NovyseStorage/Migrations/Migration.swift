/// One numbered schema change. Statements run in order inside the migrator's single transaction, so a
/// migration is applied completely or not at all.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    /// Every migration, in order. Append only: an applied migration is never edited (its checksum is stored
    /// and checked, so an edit is caught at the next start instead of silently diverging schemas).
    public static let all: [Migration] = [.eventStore, .delivery, .snapshot, .wireJSON, .projection, .countLimits, .audiencePositions, .roles]

    /// A stable fingerprint of the statements (FNV-1a, 64 bit), stored beside the version.
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for statement in statements {
            for byte in statement.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
            hash ^= 0x1f
            hash &*= 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
