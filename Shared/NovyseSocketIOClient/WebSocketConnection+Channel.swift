import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// The channel under a `WebSocketConnection`: TCP (and TLS for `wss`), the HTTP upgrade, then frames.
extension WebSocketConnection {
    private enum Upgrade: Sendable {
        case upgraded(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case notUpgraded(any Channel)
    }

    /// One TLS context for every `wss` connection: building one loads the system's trust roots.
    private static let tlsContext = Result { try NIOSSLContext(configuration: .makeClientConfiguration()) }

    static func run(
        url: WebSocketURL, headers: [String: String], maxFrameSize: Int, state: NIOLockedValueBox<State>,
        outgoing: AsyncStream<String>, inbound: AsyncStream<String>.Continuation
    ) async throws {
        let tls = url.tls ? try tlsContext.get() : nil
        let upgrade = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .connect(host: url.host, port: url.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        let handler = try NIOSSLClientHandler(context: tls, serverHostname: url.host)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    return try configure(channel, url: url, headers: headers, maxFrameSize: maxFrameSize)
                }
            }
        switch try await upgrade.get() {
        case .upgraded(let channel):
            try await serve(channel, state: state, outgoing: outgoing, inbound: inbound)
        case .notUpgraded(let channel):
            state.withLockedValue { $0.failure = "the server did not upgrade the connection" }
            try? await channel.close()
        }
    }

    private static func configure(
        _ channel: any Channel, url: WebSocketURL, headers: [String: String], maxFrameSize: Int
    ) throws -> EventLoopFuture<Upgrade> {
        try channel.pipeline.syncOperations.addHandler(HalfClosureAfterUpgrade())
        let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(maxFrameSize: maxFrameSize) { channel, _ in
            channel.eventLoop.makeCompletedFuture {
                .upgraded(try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel))
            }
        }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target)
        head.headers.add(name: "Host", value: url.hostHeader)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        var configuration = NIOUpgradableHTTPClientPipelineConfiguration(
            upgradeConfiguration: .init(upgradeRequestHead: head, upgraders: [upgrader]) { channel in
                channel.eventLoop.makeSucceededFuture(.notUpgraded(channel))
            }
        )
        configuration.leftOverBytesStrategy = .forwardBytes  // what came with the 101 is the WebSocket's
        return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: configuration)
    }

    /// Writes what the caller sends while reading frames until the server's close frame or the end of the
    /// connection; answers WebSocket pings and the close frame.
    private static func serve(
        _ channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, state: NIOLockedValueBox<State>,
        outgoing: AsyncStream<String>, inbound: AsyncStream<String>.Continuation
    ) async throws {
        try await channel.executeThenClose { frames, outbound in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await text in outgoing { try await outbound.write(frame(.text, ByteBuffer(string: text))) }
                    guard !Task.isCancelled else { return }
                    try await sendClose(.normalClosure, outbound: outbound, state: state)
                }
                var message = ByteBuffer()
                reading: for try await frame in frames {
                    var data = frame.unmaskedData
                    switch frame.opcode {
                    case .text, .continuation:
                        message.writeBuffer(&data)
                        guard frame.fin else { continue }
                        inbound.yield(String(buffer: message))
                        message.clear()
                    case .ping:
                        try await outbound.write(Self.frame(.pong, data))
                    case .connectionClose:
                        let code = data.readWebSocketErrorCode().map(UInt16.init(webSocketErrorCode:))
                        let reason = data.readString(length: data.readableBytes).flatMap { $0.isEmpty ? nil : $0 }
                        state.withLockedValue { $0.closeFrame = CloseFrame(code: code, reason: reason) }
                        try? await sendClose(.normalClosure, outbound: outbound, state: state)
                        break reading
                    default:
                        continue
                    }
                }
                group.cancelAll()
            }
        }
    }

    private static func sendClose(
        _ code: WebSocketErrorCode, outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>,
        state: NIOLockedValueBox<State>
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
