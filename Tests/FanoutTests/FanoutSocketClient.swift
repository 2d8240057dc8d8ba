import Foundation
import HummingbirdWSClient
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket
import NovyseSocketIO
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
        let data: JSON
        var description: String { "\(name) \(data.text)" }
    }

    private let state = NIOLockedValueBox<(messages: [String], closed: Bool)>(([], false))
    private let outgoing: AsyncStream<String>.Continuation
    private let task: Task<Void, Never>
    let label: String

    private init(url: String, label: String) {
        self.label = label
        let (stream, continuation) = AsyncStream<String>.makeStream()
        outgoing = continuation
        let state = state
        task = Task {
            _ = try? await WebSocketClient.connect(
                url: url, configuration: .init(maxFrameSize: 1 << 22, autoPing: .disabled), logger: Logger(label: "test.sio")
            ) { inbound, outbound, _ in
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await text in stream { try? await outbound.write(.text(text)) }
                        try? await outbound.close(.normalClosure, reason: nil)
                    }
                    do {
                        for try await message in inbound.messages(maxSize: 1 << 22) {
                            guard case .text(let text) = message else { continue }
                            if text == "2" { continuation.yield("3") } else { state.withLockedValue { $0.messages.append(text) } }
                        }
                    } catch {}
                    state.withLockedValue { $0.closed = true }
                    continuation.finish()
                    await group.waitForAll()
                }
            }
            state.withLockedValue { $0.closed = true }
            continuation.finish()
        }
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
        let client = FanoutSocketClient(url: "ws://127.0.0.1:\(port)/socket.io/?EIO=4&transport=websocket", label: label)
        let open = try await client.nextPacket()
        guard open.hasPrefix("0") else { throw Failure(description: "\(label): expected open, got \(open)") }
        client.outgoing.yield("40" + (["token": .string(token)] as JSON).text)
        return (client, try await client.nextPacket())
    }

    /// Waits until the server has closed the connection; returns the packets received and not yet taken.
    func waitUntilClosed(timeout: Duration = TestDeadline.generous) async throws -> [String] {
        try await TestDeadline.waitUntil("\(label) to be closed", timeout: timeout) { state.withLockedValue { $0.closed } }
        return state.withLockedValue { state in
            defer { state.messages = [] }
            return state.messages
        }
    }

    var isClosed: Bool { state.withLockedValue { $0.closed } }

    private func nextPacket(timeout: Duration = TestDeadline.generous) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (message, closed): (String?, Bool) = state.withLockedValue { state in
                state.messages.isEmpty ? (nil, state.closed) : (state.messages.removeFirst(), false)
            }
            if let message { return message }
            if closed { throw Failure(description: "\(label): connection closed") }
            guard ContinuousClock.now < deadline else { throw Failure(description: "\(label): timed out") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The events received so far (and not yet taken), without waiting.
    func drain() -> [Event] {
        let packets = state.withLockedValue { state in
            defer { state.messages = [] }
            return state.messages
        }
        return packets.compactMap(Self.event)
    }

    static func event(_ packet: String) -> Event? {
        guard packet.hasPrefix("42"), case .array(let values)? = JSON(parsing: String(packet.dropFirst(2))),
              case .string(let name)? = values.first
        else { return nil }
        return Event(name: name, data: values.count > 1 ? values[1] : .null)
    }

    func close() { outgoing.finish() }

    deinit { task.cancel() }
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
