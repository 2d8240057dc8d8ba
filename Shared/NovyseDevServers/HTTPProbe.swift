import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 client for loopback health checks and tests; `novysectl dev` uses it to wait for the
/// services, so the CLI needs no HTTP client library.
public enum HTTPProbe {
    public struct Response: Sendable {
        public let status: Int
        public let body: String
        /// Header names lower-cased.
        public var headers: [String: String] = [:]
    }

    /// Sends one request to 127.0.0.1:`port` and reads the whole answer (`Connection: close`); nil when
    /// nothing answers within `timeout`.
    public static func request(
        port: Int, method: String = "GET", path: String, headers: [String: String] = [:], body: String? = nil,
        timeout: Duration = .seconds(5)
    ) async -> Response? {
        // The socket calls block: on a thread of their own, not the cooperative pool (see `offloaded`).
        await offloaded {
            send(port: port, method: method, path: path, headers: headers, body: body, timeout: timeout)
        }
    }

    private static func send(
        port: Int, method: String, path: String, headers: [String: String], body: String?, timeout: Duration
    ) -> Response? {
        guard let fd = Network.connectLoopback(port: port, timeout: timeout) else { return nil }
        defer { close(fd) }
        let payload = body.map { Array($0.utf8) } ?? []
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if body != nil { head += "Content-Length: \(payload.count)\r\n" }
        let request = Array((head + "\r\n").utf8) + payload
        var written = 0
        while written < request.count {
            let count = request[written...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return nil }
            written += count
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received.append(contentsOf: chunk[0..<count])
        }
        return parse(received)
    }

    static func parse(_ bytes: [UInt8]) -> Response? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headerEnd = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<headerEnd.lowerBound]
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var body = String(text[headerEnd.upperBound...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        var headers: [String: String] = [:]
        for line in head.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, body: body, headers: headers)
    }

    private static func dechunk(_ text: String) -> String {
        var rest = Substring(text)
        var out = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let utf8 = rest[start...].utf8
            let end = utf8.index(utf8.startIndex, offsetBy: size, limitedBy: utf8.endIndex) ?? utf8.endIndex
            out += String(rest[start..<end])
            rest = rest[end...].dropFirst(2)
        }
        return out
    }
}
