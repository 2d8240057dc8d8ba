import NIOCore

/// A request context that exposes the connection a request arrived on. When the router's context conforms,
/// a waiting long-polling GET watches its connection and ends the session as soon as the client goes away
/// (as the reference server does on the request's `close`), instead of leaving it to the heartbeat and
/// writing the next packets into a dead connection, where they would be lost.
public protocol SocketIOConnectionContext {
    var channel: any Channel { get }
}
