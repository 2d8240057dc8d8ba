import NIOConcurrencyHelpers
import NIOCore

/// Watches the connection of one waiting long-polling GET and calls `onClose` once when the client closes
/// it (a FIN arrives as `inputClosed`, because Hummingbird allows half-closure, or the channel goes away).
///
/// Hummingbird gives a handler no signal for this while it is suspended, so the observer sits at the front
/// of the connection's pipeline for the duration of the wait: it passes every read and event on unchanged
/// and only looks at the two that mean the client is gone.
final class PollConnectionObserver: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let onClose: NIOLockedValueBox<(@Sendable () -> Void)?>

    private init(onClose: @escaping @Sendable () -> Void) {
        self.onClose = NIOLockedValueBox(onClose)
    }

    /// Adds an observer to `channel`; nil when the channel is already gone (then `onClose` has been called).
    static func attach(to channel: any Channel, onClose: @escaping @Sendable () -> Void) async -> PollConnectionObserver? {
        let observer = PollConnectionObserver(onClose: onClose)
        do {
            try await channel.pipeline.addHandler(observer, position: .first).get()
            return observer
        } catch {
            observer.fire()
            return nil
        }
    }

    /// Removes the observer once the GET is answered; it will not call `onClose` any more.
    func detach(from channel: any Channel) {
        onClose.withLockedValue { $0 = nil }
        channel.pipeline.removeHandler(self, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { fire() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fire()
        context.fireChannelInactive()
    }

    private func fire() {
        let callback = onClose.withLockedValue { callback in
            defer { callback = nil }
            return callback
        }
        callback?()
    }
}
