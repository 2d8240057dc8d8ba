import Foundation
import NovyseCore
import NovyseSocketIO
import TestSupport

/// Engine.IO long-polling against a fan-out process, one request per connection, optionally as a client
/// behind the deployment's proxy (`X-Forwarded-For`, which the fan-out reads when
/// `NOVYSE_CLIENT_ADDRESS_HEADER` names it). For the tests of what the fan-out admits before authentication.
struct FanoutPollingClient: Sendable {
    let port: Int
    /// The address the proxy reports for this client; nil: none (the connection's peer, 127.0.0.1).
    var address: String?

    func url(sid: String?) -> String {
        "/socket.io/?EIO=4&transport=polling" + (sid.map { "&sid=\($0)" } ?? "")
    }

    func request(_ method: String, sid: String?, body: String? = nil) async throws -> HTTPProbe.Response {
        var headers: [String: String] = [:]
        if let address { headers["X-Forwarded-For"] = address }
        if body != nil { headers["Content-Type"] = "text/plain;charset=UTF-8" }
        guard
            let response = await HTTPProbe.request(
                port: port, method: method, path: url(sid: sid), headers: headers, body: body, timeout: TestDeadline.generous
            )
        else { throw FanoutSocketClient.Failure(description: "no answer to \(method) \(url(sid: sid))") }
        return response
    }

    /// A handshake, whatever its answer.
    func handshake() async throws -> HTTPProbe.Response { try await request("GET", sid: nil) }

    /// A handshake that must be admitted; returns the session ID.
    func open() async throws -> String {
        let response = try await handshake()
        guard response.status == 200, response.body.first == "0",
            let sid = JSONValue.parse(String(response.body.dropFirst()))?["sid"]?.stringValue
        else { throw FanoutSocketClient.Failure(description: "handshake: \(response.status) \(response.body)") }
        return sid
    }

    func send(_ sid: String, _ packet: String) async throws {
        let response = try await request("POST", sid: sid, body: packet)
        guard response.status == 200 else { throw FanoutSocketClient.Failure(description: "post: \(response.status) \(response.body)") }
    }

    /// The packets of one GET (it waits for the next ones).
    func poll(_ sid: String) async throws -> [String] {
        let response = try await request("GET", sid: sid)
        guard response.status == 200 else { throw FanoutSocketClient.Failure(description: "poll: \(response.status) \(response.body)") }
        return response.body.split(separator: "\u{1e}", omittingEmptySubsequences: false).map(String.init)
    }

    /// Opens a session and completes the Socket.IO CONNECT with `token`; returns the session ID.
    func connect(token: String) async throws -> String {
        let sid = try await open()
        try await send(sid, "40" + (["token": .string(token)] as JSONValue).jsonText)
        while true {
            let packets = try await poll(sid)
            for _ in packets.prefix(while: { $0 == "2" }) { try await send(sid, "3") }
            guard let answer = packets.first(where: { $0 != "2" }) else { continue }
            guard answer.hasPrefix("40{") else { throw FanoutSocketClient.Failure(description: "connect: \(packets)") }
            return sid
        }
    }
}

extension RunningService {
    /// The value of one series on `/metrics` (`name` or `name{label="value"}`); nil while it is not exported.
    func metric(_ series: String) async -> Double? {
        guard let body = await get("/metrics")?.body else { return nil }
        for line in body.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Waits until `series` satisfies `condition`.
    func waitForMetric(_ series: String, _ condition: @escaping @Sendable (Double) -> Bool) async throws {
        let last = Locked<Double?>(nil)
        try await TestDeadline.waitUntil(
            "\(series) on /metrics", interval: .milliseconds(100),
            state: { "last value \(last.current.map { String($0) } ?? "absent")" }
        ) {
            let value = await metric(series)
            last.withLock { $0 = value }
            return value.map(condition) ?? false
        }
    }
}
