import Hummingbird

/// The request context of every Novyse HTTP service.
public struct NovyseRequestContext: RequestContext {
    /// Largest request body any endpoint accepts; larger bodies are refused with 413 before they are read
    /// whole. Read once from `NOVYSE_MAX_BODY_BYTES` (default 64 KiB).
    public static let maxBodySize: Int =
        (try? EnvironmentReader().int("NOVYSE_MAX_BODY_BYTES", default: 64 * 1024, range: 1024...16_777_216))
        ?? 64 * 1024

    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { Self.maxBodySize }
}
