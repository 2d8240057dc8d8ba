import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A WebSocket client for tests, on SwiftNIO's own upgrade and frame codec: text messages land in an inbox
/// the test reads with deadlines, `send` writes text frames, and the server's close frame (code and reason)
/// is kept, so a test can tell "refused with 1013" from "silent".
///
/// Not the hummingbird-websocket client: that one loses a server's close frame and its end of stream when
/// both arrive with the `101` in one read, and then waits forever (see `HalfClosureAfterUpgrade`). A server
/// that refuses a session right after the upgrade sends exactly that, and on a busy machine the client reads
/// it all at once.
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
        var closeFrame: CloseFrame?
        /// Why the connection never became a WebSocket (refused upgrade, connection error), if it did not.
        var failure: String?
        var closeSent = false
    }

    private let state = NIOLockedValueBox(State())
    private let outgoing: AsyncStream<String>.Continuation
    private let task: Task<Void, Never>

    /// Opens `ws://127.0.0.1:<port><path>` in the background; what the server sends arrives through `next`.
    /// `autoReply` may answer a message at once instead of delivering it (an Engine.IO pong to a ping).
    public init(
        port: Int, path: String, headers: [String: String] = [:],
        autoReply: @escaping @Sendable (String) -> String? = { _ in nil }
    ) {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        outgoing = continuation
        let state = state
        task = Task {
            do {
                let upgrade = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                    .connect(host: "127.0.0.1", port: port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try Self.configure(channel, port: port, path: path, headers: headers)
                        }
                    }
                switch try await upgrade.get() {
                case .upgraded(let channel):
                    try await Self.serve(channel, state: state, outgoing: stream, autoReply: autoReply)
                case .notUpgraded(let channel):
                    state.withLockedValue { $0.failure = "the server did not upgrade the connection" }
                    try? await channel.close()
                }
            } catch {
                state.withLockedValue { if $0.closeFrame == nil && $0.failure == nil { $0.failure = "\(error)" } }
            }
            state.withLockedValue { $0.closed = true }
            continuation.finish()
        }
    }

    /// Opens `ws://127.0.0.1:<port><path>`; what the server sends arrives through `next`.
    public static func connect(port: Int, path: String) async throws -> TestWebSocket {
        TestWebSocket(port: port, path: path)
    }

    public func send(_ text: String) { outgoing.yield(text) }

    /// Ends the connection with a close frame (1000).
    public func close() { outgoing.finish() }

    /// The next text message; throws `Closed` when the connection ended first, `TimedOut` after `timeout`.
    public func next(timeout: Duration = TestDeadline.generous) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (message, closed): (String?, Closed?) = state.withLockedValue { state in
                if !state.messages.isEmpty { return (state.messages.removeFirst(), nil) }
                guard state.closed else { return (nil, nil) }
                return (nil, Closed(code: state.closeFrame?.code, reason: state.closeFrame?.reason))
            }
            if let message { return message }
            if let closed { throw closed }
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

    public var isClosed: Bool { state.withLockedValue { $0.closed } }

    /// The server's close frame, once it came.
    public var closeFrame: CloseFrame? { state.withLockedValue { $0.closeFrame } }

    /// Why the connection never became a WebSocket, if it did not.
    public var failure: String? { state.withLockedValue { $0.failure } }

    deinit { task.cancel() }

    // MARK: The connection

    private enum Upgrade: Sendable {
        case upgraded(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case notUpgraded(any Channel)
    }

    private static func configure(
        _ channel: any Channel, port: Int, path: String, headers: [String: String]
    ) throws -> EventLoopFuture<Upgrade> {
        try channel.pipeline.syncOperations.addHandler(HalfClosureAfterUpgrade())
        let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(maxFrameSize: 1 << 22) { channel, _ in
            channel.eventLoop.makeCompletedFuture {
                .upgraded(try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel))
            }
        }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        var configuration = NIOUpgradableHTTPClientPipelineConfiguration(
            upgradeConfiguration: .init(upgradeRequestHead: head, upgraders: [upgrader]) { channel in
                channel.eventLoop.makeSucceededFuture(.notUpgraded(channel))
            }
        )
        configuration.leftOverBytesStrategy = .forwardBytes  // what came with the 101 is the WebSocket's
        return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: configuration)
    }

    /// Writes what the test sends while reading frames until the server's close frame or the end of the
    /// connection; answers WebSocket pings and the close frame.
    private static func serve(
        _ channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, state: NIOLockedValueBox<State>,
        outgoing: AsyncStream<String>, autoReply: @escaping @Sendable (String) -> String?
    ) async throws {
        try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await text in outgoing { try await outbound.write(Self.frame(.text, ByteBuffer(string: text))) }
                    guard !Task.isCancelled else { return }
                    try await Self.sendClose(.normalClosure, outbound: outbound, state: state)
                }
                var message = ByteBuffer()
                reading: for try await frame in inbound {
                    var data = frame.unmaskedData
                    switch frame.opcode {
                    case .text, .continuation:
                        message.writeBuffer(&data)
                        guard frame.fin else { continue }
                        let text = String(buffer: message)
                        message.clear()
                        if let reply = autoReply(text) {
                            try await outbound.write(Self.frame(.text, ByteBuffer(string: reply)))
                        } else {
                            state.withLockedValue { $0.messages.append(text) }
                        }
                    case .ping:
                        try await outbound.write(Self.frame(.pong, data))
                    case .connectionClose:
                        let code = data.readWebSocketErrorCode().map(UInt16.init(webSocketErrorCode:))
                        let reason = data.readString(length: data.readableBytes).flatMap { $0.isEmpty ? nil : $0 }
                        state.withLockedValue { $0.closeFrame = CloseFrame(code: code, reason: reason) }
                        try? await Self.sendClose(.normalClosure, outbound: outbound, state: state)
                        break reading
                    default:
                        continue
                    }
                }
                state.withLockedValue { $0.closed = true }
                group.cancelAll()
            }
        }
    }

    private static func sendClose(
        _ code: WebSocketErrorCode, outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>, state: NIOLockedValueBox<State>
    ) async throws {
        let first = state.withLockedValue { state in
            defer { state.closeSent = true }
            return !state.closeSent
        }
        guard first else { return }
        var data = ByteBuffer()
        data.write(webSocketErrorCode: code)
        try await outbound.write(frame(.connectionClose, data))
    }

    /// A client frame: final and masked.
    private static func frame(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)
    }
}

/// Passes the peer's half-closure (`inputClosed`) on one turn of the event loop later.
///
/// When the `101`, the first WebSocket frames and the peer's FIN arrive in one read, SwiftNIO's HTTP
/// response decoder is still in the pipeline when the end of stream comes: its removal for the upgrade waits
/// for the next turn of the event loop. Told of the end of stream, it decodes its leftovers as the last bytes
/// and drops them (it forwards leftovers only when no end of stream was seen), and the client upgrade handler
/// passes the event on before the WebSocket handlers exist. The WebSocket then never sees the frames nor the
/// end of the stream, and its peer has nothing more to send: it waits forever. Delayed by one turn, the event
/// comes after the decoder's removal, which forwards the leftovers into the new WebSocket pipeline first.
/// Before any upgrade (a server that closes without answering) the delay changes nothing.
private final class HalfClosureAfterUpgrade: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        context.eventLoop.assumeIsolated().execute {
            context.fireUserInboundEventTriggered(channelEvent)
        }
    }
}
