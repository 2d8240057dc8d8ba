import Foundation
import NovyseCore
import NovyseSocketIO
import NovyseSocketIOCodec
import TestSupport

/// A minimal Socket.IO client over WebSocket for the end-to-end tests: connects the default namespace with
/// a token, answers pings, and collects the server's events.
final class FanoutSocketClient: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// One received event: its name and its single argument.
    struct Event: Sendable, CustomStringConvertible {
        let name: String
        let data: JSONValue
        var description: String { "\(name) \(data.jsonText)" }
    }

    private let socket: TestWebSocket
    let label: String

    private init(port: Int, label: String) {
        self.label = label
        socket = TestWebSocket(port: port, path: "/socket.io/?EIO=4&transport=websocket") { $0 == "2" ? "3" : nil }
    }

    /// Opens a WebSocket to the Engine.IO endpoint and sends nothing: the server's open packet (or its
    /// refusal) arrives through `waitUntilClosed` and `drain`.
    static func open(port: Int, label: String) -> FanoutSocketClient {
        FanoutSocketClient(port: port, label: label)
    }

    /// Connects to a fan-out service over WebSocket and completes the Socket.IO CONNECT with `token`.
    static func connect(port: Int, token: String, label: String) async throws -> FanoutSocketClient {
        let (client, answer) = try await attempt(port: port, token: token, label: label)
        guard answer.hasPrefix("40") else { throw Failure(description: "\(label): connect answered \(answer)") }
        return client
    }

    /// Opens a session and sends the CONNECT; returns the client and the server's answer (`40{"sid"…}`, or
    /// a CONNECT_ERROR `44{…}`).
    static func attempt(port: Int, token: String, label: String) async throws -> (FanoutSocketClient, answer: String) {
        let client = open(port: port, label: label)
        let open = try await client.nextPacket()
        guard open.hasPrefix("0") else { throw Failure(description: "\(label): expected open, got \(open)") }
        client.socket.send("40" + (["token": .string(token)] as JSONValue).jsonText)
        return (client, try await client.nextPacket())
    }

    /// Waits until the connection has ended; returns the packets received and not yet taken.
    func waitUntilClosed(timeout: Duration = TestDeadline.generous) async throws -> [String] {
        try await socket.waitUntilClosed(timeout: timeout)
    }

    var isClosed: Bool { socket.isClosed }

    /// The server's close frame, once it came.
    var closeFrame: TestWebSocket.CloseFrame? { socket.closeFrame }

    private func nextPacket(timeout: Duration = TestDeadline.generous) async throws -> String {
        do {
            return try await socket.next(timeout: timeout)
        } catch let closed as TestWebSocket.Closed {
            throw Failure(description: "\(label): \(closed)\(socket.failure.map { ", \($0)" } ?? "")")
        } catch let timedOut as TestWebSocket.TimedOut {
            throw Failure(description: "\(label): \(timedOut)")
        }
    }

    /// The events received so far (and not yet taken), without waiting.
    func drain() -> [Event] {
        socket.drain().compactMap(Self.event)
    }

    static func event(_ packet: String) -> Event? {
        guard let message = try? EngineIOPacket.decode(Substring(packet)), message.kind == .message,
            let (name, arguments) = (try? SocketIOPacket.decode(message.data))?.event
        else { return nil }
        return Event(name: name, data: arguments.first ?? .null)
    }

    func close() { socket.close() }
}

/// Collects each client's events until a condition holds.
actor EventCollector {
    private var received: [String: [FanoutSocketClient.Event]] = [:]

    func events(_ client: FanoutSocketClient) -> [FanoutSocketClient.Event] {
        received[client.label, default: []] += client.drain()
        return received[client.label, default: []]
    }

    /// Waits until `condition` holds for `client`'s events.
    func wait(
        _ client: FanoutSocketClient, for what: String, timeout: Duration = TestDeadline.generous,
        until condition: ([FanoutSocketClient.Event]) -> Bool
    ) async throws -> [FanoutSocketClient.Event] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let events = events(client)
            if condition(events) { return events }
            guard ContinuousClock.now < deadline else {
                throw FanoutSocketClient.Failure(description: "\(client.label): no \(what); got \(events)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
