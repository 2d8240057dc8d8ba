import Foundation

extension UUID {
    /// Parses the canonical 36-character form (`8-4-4-4-12` hex digits, either case), as `UUID(uuidString:)`
    /// does, without its `sscanf`: an update carries one UUID per cursor, hundreds per request, and that
    /// parse showed in the query service's profile.
    public init?(text: some StringProtocol) {
        let utf8 = text.utf8
        guard let parsed = utf8.withContiguousStorageIfAvailable({ UUID.parse($0) }) ?? UUID.parse(Array(utf8)) else {
            return nil
        }
        self = parsed
    }

    private static func parse(_ bytes: some RandomAccessCollection<UInt8>) -> UUID? {
        guard bytes.count == 36 else { return nil }
        var out: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var index = bytes.startIndex
        var produced = 0
        var high: UInt8?
        for position in 0..<36 {
            let byte = bytes[index]
            index = bytes.index(after: index)
            if position == 8 || position == 13 || position == 18 || position == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let nibble: UInt8
            switch byte {
            case 0x30...0x39: nibble = byte - 0x30
            case 0x41...0x46: nibble = byte - 0x41 + 10
            case 0x61...0x66: nibble = byte - 0x61 + 10
            default: return nil
            }
            if let first = high {
                withUnsafeMutableBytes(of: &out) { $0[produced] = first << 4 | nibble }
                produced += 1
                high = nil
            } else {
                high = nibble
            }
        }
        return UUID(uuid: out)
    }
}
