import Foundation
import NovyseCore
import NovyseSocketIO
import NovyseSocketIOCodec

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An HTTP answer: status, body, lower-cased headers.
struct HTTPAnswer: Sendable {
    let status: Int
    let body: String
    let headers: [String: String]
}

/// Long-polling requests as a client library would send them. URLSession does the I/O on its own threads:
/// a blocking client on the cooperative pool would starve the in-process server on a 2-core machine.
struct PollingClient: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A session whose own timeouts are as generous as the request's: on Linux the configuration's
    /// 60 s request timeout may apply whatever the request says.
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 120
        configuration.timeoutIntervalForResource = 600
        return URLSession(configuration: configuration)
    }()

    let port: Int
    var path = "/socket.io/"
    /// Sent with every request (a proxy's `X-Forwarded-For`, to stand for a client address).
    var headers: [String: String] = [:]

    func url(sid: String?, transport: String = "polling", version: String = "4") -> String {
        var url = "\(path)?EIO=\(version)&transport=\(transport)"
        if let sid { url += "&sid=\(sid)" }
        return url
    }

    func get(_ url: String) async throws -> HTTPAnswer {
        try await request("GET", url, body: nil)
    }

    func post(_ url: String, body: String) async throws -> HTTPAnswer {
        try await request("POST", url, body: body)
    }

    private func request(_ method: String, _ url: String, body: String?) async throws -> HTTPAnswer {
        guard let target = URL(string: "http://127.0.0.1:\(port)\(url)") else { throw Failure(description: url) }
        var request = URLRequest(url: target, timeoutInterval: 120)  // generous: a loaded machine may hold a poll long
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("text/plain;charset=UTF-8", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await Self.session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw Failure(description: "no HTTP answer to \(url)") }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return HTTPAnswer(status: http.statusCode, body: String(decoding: data, as: UTF8.self), headers: headers)
    }

    /// Opens a session and returns its ID and handshake object.
    func handshake() async throws -> (sid: String, open: JSONValue) {
        let response = try await get(url(sid: nil))
        guard response.status == 200, response.body.first == "0", let open = JSONValue.parse(String(response.body.dropFirst())),
            let sid = open["sid"]?.stringValue
        else { throw Failure(description: "bad handshake: \(response.status) \(response.body)") }
        return (sid, open)
    }

    /// The packets of one GET.
    func poll(_ sid: String) async throws -> [String] {
        let response = try await get(url(sid: sid))
        guard response.status == 200 else { throw Failure(description: "poll: \(response.status) \(response.body)") }
        return response.body.split(separator: EngineIOPacket.separator, omittingEmptySubsequences: false).map(String.init)
    }

    func send(_ sid: String, _ packets: String...) async throws {
        let response = try await post(url(sid: sid), body: EngineIOPacket.encodePayload(packets))
        guard response.status == 200, response.body == "ok" else {
            throw Failure(description: "post: \(response.status) \(response.body)")
        }
    }

    /// Opens a session and connects the default namespace with `token`; returns the session ID and the
    /// Socket.IO socket ID.
    func connect(token: String) async throws -> (sid: String, socketID: String) {
        let (sid, _) = try await handshake()
        try await send(sid, "40" + (["token": .string(token)] as JSONValue).jsonText)
        // The heartbeat runs from the handshake on, so with a short ping interval on a slow machine pings can
        // come before the connect answer, or in the same poll after it. Every one is answered: the server sends
        // no ping while one is unanswered, so a ping dropped here would leave the next poll with nothing to
        // return until the ping timeout. Anything else before the answer is a failure.
        while true {
            let packets = try await poll(sid)
            for packet in packets where packet == "2" { try await send(sid, "3") }
            let others = packets.filter { $0 != "2" }
            guard let first = others.first else { continue }
            guard let message = try? EngineIOPacket.decode(Substring(first)), message.kind == .message,
                let answer = try? SocketIOPacket.decode(message.data), answer.kind == .connect,
                case .object(let members)? = answer.data, case .string(let socketID)? = members["sid"]
            else { throw Failure(description: "connect: \(packets)") }
            return (sid, socketID)
        }
    }
}
