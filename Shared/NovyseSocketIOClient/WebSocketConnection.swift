import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOWebSocket

/// A WebSocket client on SwiftNIO's own upgrade and frame codec, the one every Novyse client uses (the
/// product client, `novysectl bench`, the tests): text messages arrive in order through `messages`, `send`
/// writes text frames, and the server's close frame (code and reason) is kept, so a caller can tell "refused
/// with 1013" from "the network broke".
///
/// Not the hummingbird-websocket client: that one loses a server's close frame and its end of stream when
/// both arrive with the `101` in one read, and then waits forever (see `HalfClosureAfterUpgrade`). A server
/// that refuses a session right after the upgrade (the fan-out over its caps) sends exactly that, and on a
/// busy machine the client reads it all at once.
public final class WebSocketConnection: Sendable {
    /// The close frame the server sent.
    public struct CloseFrame: Sendable, Equatable, CustomStringConvertible {
        public let code: UInt16?
        public let reason: String?
        public init(code: UInt16?, reason: String?) {
            self.code = code
            self.reason = reason
        }
        public var description: String { "code \(code.map(String.init) ?? "none"), reason \(reason ?? "none")" }
    }

    struct State {
        var closeFrame: CloseFrame?
        /// Why the connection never became a WebSocket (refused upgrade, connection error), if it did not.
        var failure: String?
        var closeSent = false
        var closed = false
    }

    let state = NIOLockedValueBox(State())
    private let outgoing: AsyncStream<String>.Continuation
    private let task: NIOLockedValueBox<Task<Void, Never>?> = NIOLockedValueBox(nil)

    /// The server's text messages in arrival order; the stream ends with the connection.
    public let messages: AsyncStream<String>

    /// Opens `url` (`ws://` or `wss://`) in the background; what the server sends arrives through `messages`.
    public init(url: WebSocketURL, headers: [String: String] = [:], maxFrameSize: Int = 1 << 24) {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let (inbound, inboundContinuation) = AsyncStream<String>.makeStream()
        outgoing = continuation
        messages = inbound
        let state = state
        task.withLockedValue { task in
            task = Task {
                do {
                    try await Self.run(
                        url: url, headers: headers, maxFrameSize: maxFrameSize, state: state, outgoing: stream,
                        inbound: inboundContinuation
                    )
                } catch {
                    state.withLockedValue { if $0.closeFrame == nil && $0.failure == nil { $0.failure = "\(error)" } }
                }
                state.withLockedValue { $0.closed = true }
                inboundContinuation.finish()
            }
        }
    }

    /// Sends one text frame (queued; written in order).
    public func send(_ text: String) { outgoing.yield(text) }

    /// Ends the connection with a close frame (1000).
    public func close() { outgoing.finish() }

    /// Ends the connection at once, without a close frame, as a network failure would.
    public func drop() { task.withLockedValue { $0?.cancel() } }

    /// Whether the connection has ended (every message is in `messages` by then).
    public var isClosed: Bool { state.withLockedValue { $0.closed } }

    /// The server's close frame, once it came.
    public var closeFrame: CloseFrame? { state.withLockedValue { $0.closeFrame } }

    /// Why the connection never became a WebSocket, if it did not.
    public var failure: String? { state.withLockedValue { $0.failure } }

    deinit { task.withLockedValue { $0?.cancel() } }
}
