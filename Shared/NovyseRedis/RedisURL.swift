/// The pieces of a `redis://` URL. Parsed by hand because the library avoids Foundation and the
/// grammar Redis URLs use is small.
struct RedisURL: Equatable {
    var host: String
    var port: Int = 6379
    var password: String?
    var database: Int = 0

    init(parsing url: String) throws {
        let scheme = "redis://"
        guard url.lowercased().hasPrefix(scheme) else {
            if url.lowercased().hasPrefix("rediss://") {
                throw RedisError.invalidURL("TLS (rediss://) is not supported by this client")
            }
            throw RedisError.invalidURL("expected a redis:// URL, got '\(url)'")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        if rest.contains("?") || rest.contains("#") {
            throw RedisError.invalidURL("query options and fragments are not supported in '\(url)'")
        }

        // The password may itself contain '@' when not percent-encoded, so split at the last one.
        if let at = rest.lastIndex(of: "@") {
            password = try Self.password(fromUserInfo: rest[..<at])
            rest = rest[rest.index(after: at)...]
        }

        var authority = rest
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty {
                guard let db = Self.decimal(path) else {
                    throw RedisError.invalidURL("database must be a non-negative number, got '\(path)'")
                }
                database = db
            }
        }

        let (hostPart, portPart) = try Self.splitHostAndPort(authority)
        guard !hostPart.isEmpty else { throw RedisError.invalidURL("missing host in '\(url)'") }
        host = String(hostPart)
        if let portPart {
            guard let number = Self.decimal(portPart), (1...65_535).contains(number) else {
                throw RedisError.invalidURL("port must be between 1 and 65535, got '\(portPart)'")
            }
            port = number
        }
    }

    /// Accepts `:password` and `default:password` (Redis 6 ACL's default user), which both mean a
    /// plain `AUTH password`.
    private static func password(fromUserInfo userInfo: Substring) throws -> String? {
        guard let colon = userInfo.firstIndex(of: ":") else {
            throw RedisError.invalidURL("credentials must be ':password@', without a user name")
        }
        let user = userInfo[..<colon]
        guard user.isEmpty || user == "default" else {
            throw RedisError.invalidURL("user names other than 'default' are not supported")
        }
        let encoded = userInfo[userInfo.index(after: colon)...]
        guard let decoded = percentDecoded(encoded) else {
            throw RedisError.invalidURL("the password contains an invalid percent escape")
        }
        return decoded.isEmpty ? nil : decoded
    }

    /// Handles `host`, `host:port`, `[ipv6]` and `[ipv6]:port`.
    private static func splitHostAndPort(_ authority: Substring) throws -> (Substring, Substring?) {
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw RedisError.invalidURL("unterminated IPv6 address in '\(authority)'")
            }
            let host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.isEmpty { return (host, nil) }
            guard after.hasPrefix(":") else { throw RedisError.invalidURL("unexpected text after ']' in '\(authority)'") }
            return (host, after.dropFirst())
        }
        guard let colon = authority.firstIndex(of: ":") else { return (authority, nil) }
        return (authority[..<colon], authority[authority.index(after: colon)...])
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        // Round-tripping rejects invalid UTF-8 without `String(validating:)`, which needs macOS 15.
        let string = String(decoding: bytes, as: UTF8.self)
        return Array(string.utf8) == bytes ? string : nil
    }

    /// Plain ASCII digits only: `Int(_:)` would also accept a sign.
    private static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return Int(text)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
