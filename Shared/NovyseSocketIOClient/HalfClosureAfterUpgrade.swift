import NIOCore

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
final class HalfClosureAfterUpgrade: ChannelInboundHandler {
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
