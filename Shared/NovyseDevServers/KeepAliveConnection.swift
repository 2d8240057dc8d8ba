import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One persistent HTTP/1.1 connection to 127.0.0.1 with blocking calls, for `novysectl bench http`: a
/// benchmark's client should cost as little as the clients users run, so each connection lives on a thread
/// of its own (never the cooperative pool the benchmark also uses), reuses its socket for every request
/// (keep-alive, as mobile HTTP stacks do) and sets `TCP_NODELAY`, so no Nagle/delayed-ACK stall between a
/// request's head and body is measured as the server's time.
public final class KeepAliveConnection {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    let port: Int
    private var fd: Int32
    private var buffer: [UInt8] = []

    public init(port: Int, timeout: Duration = .seconds(30)) throws {
        guard let fd = Network.connectLoopback(port: port, timeout: timeout) else {
            throw Failure(description: "nothing accepts connections on 127.0.0.1:\(port)")
        }
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        self.port = port
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends one request and reads its whole answer; throws when the server closes or times out.
    public func request(
        _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []
    ) throws -> HTTPProbe.Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" { head += "Content-Length: \(body.count)\r\n" }
        try write(Array((head + "\r\n").utf8) + body)
        return try readResponse()
    }

    private func write(_ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw Failure(description: "write failed (errno \(errno))") }
            written += count
        }
    }

    /// Reads more bytes into `buffer`.
    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw Failure(description: count == 0 ? "the server closed the connection" : "read failed (errno \(errno))") }
        buffer.append(contentsOf: chunk[0..<count])
    }

    /// The index just past the first CRLF at or after `start`, filling as needed.
    private func line(from start: Int) throws -> Int {
        var index = start
        while true {
            while index + 1 < buffer.count {
                if buffer[index] == 13 && buffer[index + 1] == 10 { return index + 2 }
                index += 1
            }
            try fill()
        }
    }

    private func readResponse() throws -> HTTPProbe.Response {
        // Head: lines up to the empty one.
        var lines: [String] = []
        var position = 0
        while true {
            let end = try line(from: position)
            let text = String(decoding: buffer[position..<(end - 2)], as: UTF8.self)
            position = end
            if text.isEmpty { break }
            lines.append(text)
        }
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(description: "bad status line \(lines.first ?? "")") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body: [UInt8] = []
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while true {
                let end = try line(from: position)
                let sizeText = String(decoding: buffer[position..<(end - 2)], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw Failure(description: "bad chunk size \(sizeText)")
                }
                position = end
                while buffer.count < position + size + 2 { try fill() }
                body.append(contentsOf: buffer[position..<(position + size)])
                position += size + 2
                if size == 0 { break }
            }
        } else {
            let length = Int(headers["content-length"] ?? "0") ?? 0
            while buffer.count < position + length { try fill() }
            body.append(contentsOf: buffer[position..<(position + length)])
            position += length
        }
        buffer.removeFirst(position)
        return HTTPProbe.Response(status: status, body: String(decoding: body, as: UTF8.self), headers: headers)
    }
}
