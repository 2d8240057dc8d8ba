import Foundation

/// One ordered stream: a chat's events or messages, or a user's profile or local events.
///
/// Every item carries the ID of its predecessor in the same stream (`prevID`), so anybody receiving items out
/// of band can detect a gap with certainty (invariant I2).
public struct StreamID: Hashable, Sendable, Codable, CustomStringConvertible {
    public let kind: StreamKind
    /// The chat UUID for chat streams, the user UUID for profile and local streams.
    public let key: UUID

    public init(kind: StreamKind, key: UUID) {
        self.kind = kind
        self.key = key
    }

    public var description: String { "\(kind):\(key.uuidString.lowercased())" }

    /// The Redis partition this stream's items are published to.
    ///
    /// Every item of one stream goes to one partition, so a single consumer sees them in order. The hash is
    /// FNV-1a over the kind and the UUID bytes: unlike `Hasher`, it is the same in every process and release,
    /// which the command service (producer) and the projector (consumer) both rely on.
    public func partition(of count: Int) -> Int {
        precondition(count > 0, "partition count must be positive")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let raw = UInt16(bitPattern: kind.rawValue)
        mix(UInt8(truncatingIfNeeded: raw))
        mix(UInt8(truncatingIfNeeded: raw >> 8))
        withUnsafeBytes(of: key.uuid) { bytes in bytes.forEach(mix) }
        return Int(hash % UInt64(count))
    }
}
