import Foundation

extension UUID {
    /// The lowercase form the server writes (`mirror key`), used as the primary key in the mirror so that lookups by a
    /// UUID from any source (answers, pushes, the app) hit the same row.
    public var key: String { uuidString.lowercased() }
}
