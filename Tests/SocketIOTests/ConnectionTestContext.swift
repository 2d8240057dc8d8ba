import Hummingbird
import NIOCore
import NovyseSocketIO

/// The protocol tests' request context: like the services' own, it carries the connection, so waiting
/// long-polling GETs watch it (`SocketIOConnectionContext`).
struct ConnectionTestContext: RequestContext, SocketIOConnectionContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
