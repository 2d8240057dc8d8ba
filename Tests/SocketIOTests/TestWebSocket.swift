import TestSupport
import HummingbirdWSClient
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket

/// A WebSocket connection for tests: text messages land in an inbox the test reads with deadlines, and
/// `send` writes text frames. Built on the hummingbird-websocket client, so the server sees a real client.
final class TestWebSocket: Sendable {
    struct Closed: Error {}
    struct TimedOut: Error, CustomStringConvertible {
        let what: String
        var description: String { "timed out waiting for \(what)" }
    }

    private let inbox = NIOLockedValueBox<(messages: [String], closed: Bool)>(([], false))
    private let outgoing: AsyncStream<String>.Continuation
    private let task: Task<Void, Never>

    /// Opens `ws://127.0.0.1:<port><path>`; what the server sends arrives through `next`.
    static func connect(port: Int, path: String) async throws -> TestWebSocket {
        let socket = TestWebSocket(url: "ws://127.0.0.1:\(port)\(path)")
        return socket
    }

    private init(url: String) {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        outgoing = continuation
        let inbox = inbox
        task = Task {
            _ = try? await WebSocketClient.connect(
                url: url, configuration: .init(maxFrameSize: 1 << 22, autoPing: .disabled),
                logger: Logger(label: "test.ws")
            ) { inbound, outbound, _ in
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await text in stream { try? await outbound.write(.text(text)) }
                        try? await outbound.close(.normalClosure, reason: nil)
                    }
                    do {
                        for try await message in inbound.messages(maxSize: 1 << 22) {
                            if case .text(let text) = message { inbox.withLockedValue { $0.messages.append(text) } }
                        }
                    } catch {}
                    inbox.withLockedValue { $0.closed = true }
                    continuation.finish()
                    await group.waitForAll()
                }
            }
            inbox.withLockedValue { $0.closed = true }
            continuation.finish()
        }
    }

    func send(_ text: String) { outgoing.yield(text) }

    /// Ends the connection with a close frame.
    func close() { outgoing.finish() }

    /// The next text message; throws `Closed` when the connection ended first, `TimedOut` after `timeout`.
    func next(timeout: Duration = TestDeadline.generous) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (message, closed): (String?, Bool) = inbox.withLockedValue { state in
                if !state.messages.isEmpty { return (state.messages.removeFirst(), false) }
                return (nil, state.closed)
            }
            if let message { return message }
            if closed { throw Closed() }
            guard ContinuousClock.now < deadline else { throw TimedOut(what: "a WebSocket message") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until the server has closed the connection (messages still unread are dropped).
    func waitUntilClosed(timeout: Duration = TestDeadline.generous) async throws {
        let deadline = ContinuousClock.now + timeout
        while !inbox.withLockedValue({ $0.closed }) {
            guard ContinuousClock.now < deadline else { throw TimedOut(what: "the WebSocket to close") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    var isClosed: Bool { inbox.withLockedValue { $0.closed } }

    deinit { task.cancel() }
}
