import Hummingbird
import NIOCore

/// The request context of every Novyse HTTP service.
public struct NovyseRequestContext: RequestContext {
    /// Largest request body any endpoint accepts; larger bodies are refused with 413 before they are read
    /// whole. Read once from `NOVYSE_MAX_BODY_BYTES` (default 64 KiB).
    public static let maxBodySize: Int =
        (try? EnvironmentReader().int("NOVYSE_MAX_BODY_BYTES", default: 64 * 1024, range: 1024...16_777_216))
        ?? 64 * 1024

    public var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on: the fan-out's long-polling GETs watch it to notice a client
    /// that goes away while they wait.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    public var maxUploadSize: Int { Self.maxBodySize }
}
