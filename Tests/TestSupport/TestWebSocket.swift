import NIOConcurrencyHelpers
import NovyseSocketIOClient

/// A WebSocket for tests, on the shared `WebSocketConnection` (which carries the fix for the close frame
/// that SwiftNIO drops when it comes with the `101`): text messages land in an inbox the test reads with
/// deadlines, `send` writes text frames, and the server's close frame (code and reason) is kept, so a test
/// can tell "refused with 1013" from "silent".
public final class TestWebSocket: Sendable {
    /// The connection ended: with the server's close frame (`code`, `reason`), or without one.
    public struct Closed: Error, CustomStringConvertible {
        public let code: UInt16?
        public let reason: String?
        public init(code: UInt16? = nil, reason: String? = nil) {
            self.code = code
            self.reason = reason
        }
        public var description: String { "WebSocket closed (code \(code.map(String.init) ?? "none"), reason \(reason ?? "none"))" }
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public let what: String
        public init(what: String) { self.what = what }
        public var description: String { "timed out waiting for \(what)" }
    }

    /// The close frame the server sent.
    public struct CloseFrame: Sendable, Equatable {
        public let code: UInt16?
        public let reason: String?
        public init(code: UInt16?, reason: String?) {
            self.code = code
            self.reason = reason
        }
    }

    private struct State {
        var messages: [String] = []
        var closed = false
    }

    private let state = NIOLockedValueBox(State())
    private let connection: WebSocketConnection
    private let task: Task<Void, Never>

    /// Opens `ws://127.0.0.1:<port><path>` in the background; what the server sends arrives through `next`.
    /// `autoReply` may answer a message at once instead of delivering it (an Engine.IO pong to a ping).
    public init(
        port: Int, path: String, headers: [String: String] = [:],
        autoReply: @escaping @Sendable (String) -> String? = { _ in nil }
    ) {
        let connection = WebSocketConnection(
            url: WebSocketURL(host: "127.0.0.1", port: port, target: path), headers: headers, maxFrameSize: 1 << 22
        )
        self.connection = connection
        let state = state
        task = Task {
            for await text in connection.messages {
                if let reply = autoReply(text) {
                    connection.send(reply)
                } else {
                    state.withLockedValue { $0.messages.append(text) }
                }
            }
            state.withLockedValue { $0.closed = true }
        }
    }

    /// Opens `ws://127.0.0.1:<port><path>`; what the server sends arrives through `next`.
    public static func connect(port: Int, path: String) async throws -> TestWebSocket {
        TestWebSocket(port: port, path: path)
    }

    public func send(_ text: String) { connection.send(text) }

    /// Ends the connection with a close frame (1000).
    public func close() { connection.close() }

    /// The next text message; throws `Closed` when the connection ended first, `TimedOut` after `timeout`.
    public func next(timeout: Duration = TestDeadline.generous) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (message, closed): (String?, Bool) = state.withLockedValue { state in
                if !state.messages.isEmpty { return (state.messages.removeFirst(), false) }
                return (nil, state.closed)
            }
            if let message { return message }
            if closed { throw Closed(code: closeFrame?.code, reason: closeFrame?.reason) }
            guard ContinuousClock.now < deadline else { throw TimedOut(what: "a WebSocket message") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until the connection has ended; returns the messages received and not yet taken.
    @discardableResult
    public func waitUntilClosed(timeout: Duration = TestDeadline.generous) async throws -> [String] {
        try await TestDeadline.waitUntil("the WebSocket to close", timeout: timeout, interval: .milliseconds(5)) { isClosed }
        return drain()
    }

    /// The messages received so far and not yet taken, without waiting.
    public func drain() -> [String] {
        state.withLockedValue { state in
            defer { state.messages = [] }
            return state.messages
        }
    }

    /// Whether the connection has ended and every message it brought is in the inbox.
    public var isClosed: Bool { state.withLockedValue { $0.closed } }

    /// The server's close frame, once it came.
    public var closeFrame: CloseFrame? { connection.closeFrame.map { CloseFrame(code: $0.code, reason: $0.reason) } }

    /// Why the connection never became a WebSocket, if it did not.
    public var failure: String? { connection.failure }

    deinit {
        task.cancel()
        connection.drop()
    }
}
