import Crypto
import Foundation
import NIOCore
import NIOPosix

/// A server that accepts the WebSocket upgrade and refuses at once: the `101`, a close frame (1013, as the
/// fan-out sends when over its caps) and the end of the stream go out in one write, so the client reads them
/// together, which is what SwiftNIO's upgrade used to lose.
final class RefusingWebSocketServer: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: any Channel) { self.channel = channel }

    static func start(code: UInt16 = 1013, reason: String = "over capacity") async throws -> RefusingWebSocketServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.addHandler(Refuser(code: code, reason: reason))
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return RefusingWebSocketServer(channel: channel)
    }

    func stop() async { try? await channel.close() }

    /// Reads the request head, then answers it with the upgrade, the close frame and the close, in one write.
    private final class Refuser: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let code: UInt16
        let reason: String
        var request = ""
        var answered = false

        init(code: UInt16, reason: String) {
            self.code = code
            self.reason = reason
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            request += String(buffer: unwrapInboundIn(data))
            guard !answered, request.contains("\r\n\r\n") else { return }
            answered = true
            let key =
                request.split(separator: "\r\n")
                .first { $0.lowercased().hasPrefix("sec-websocket-key:") }
                .map { $0.dropFirst("sec-websocket-key:".count).trimmingCharacters(in: .whitespaces) } ?? ""
            let digest = Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))
            var answer = context.channel.allocator.buffer(capacity: 256)
            answer.writeString(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: \(Data(digest).base64EncodedString())\r\n\r\n"
            )
            let reasonBytes = Array(reason.utf8)
            answer.writeInteger(UInt8(0x88))  // FIN + close
            answer.writeInteger(UInt8(2 + reasonBytes.count))
            answer.writeInteger(code)
            answer.writeBytes(reasonBytes)
            context.writeAndFlush(wrapOutboundOut(answer)).whenComplete { _ in context.close(promise: nil) }
        }
    }
}
