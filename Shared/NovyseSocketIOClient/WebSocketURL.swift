/// Where a WebSocket connects: `ws://host:port/path?query` or `wss://…`.
public struct WebSocketURL: Sendable, Equatable, CustomStringConvertible {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public var tls: Bool
    public var host: String
    public var port: Int
    /// The request target: path and query.
    public var target: String

    public init(tls: Bool = false, host: String, port: Int, target: String) {
        self.tls = tls
        self.host = host
        self.port = port
        self.target = target
    }

    /// Parses `ws://…` or `wss://…`; `http://` and `https://` are taken as their WebSocket schemes, so a
    /// service's base URL can be given as it is configured.
    public init(_ text: String) throws(Invalid) {
        let schemes = ["ws://": false, "http://": false, "wss://": true, "https://": true]
        guard let (scheme, tls) = schemes.first(where: { text.hasPrefix($0.key) }) else {
            throw Invalid(description: "not a WebSocket URL: \(text)")
        }
        let rest = text.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        var target = String(rest.dropFirst(authority.count))
        if !target.hasPrefix("/") { target = "/" + target }
        var host = Substring(authority)
        var port = tls ? 443 : 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let number = Int(authority[authority.index(after: colon)...]) else {
                throw Invalid(description: "bad port in \(text)")
            }
            host = authority[..<colon]
            port = number
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { throw Invalid(description: "no host in \(text)") }
        self.init(tls: tls, host: String(host), port: port, target: target)
    }

    /// The `Host` header: the port is left out when it is the scheme's default.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (tls ? 443 : 80) ? name : "\(name):\(port)"
    }

    public var description: String { "\(tls ? "wss" : "ws")://\(hostHeader)\(target)" }
}
