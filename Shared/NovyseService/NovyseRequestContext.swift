import Foundation
import Hummingbird
import NIOCore

/// The request context of every Novyse HTTP service.
public struct NovyseRequestContext: RequestContext {
    /// Largest request body any endpoint accepts; larger bodies are refused with 413 before they are read
    /// whole. Hummingbird builds a context per request with no way in for configuration, so the value is
    /// process-wide: `ServiceRuntime` installs `ServiceConfiguration.maxBodyBytes` (`NOVYSE_MAX_BODY_BYTES`,
    /// validated at start-up) before serving; until then it is the default, 64 KiB.
    public static var maxBodySize: Int { bodyLimit.value }

    private static let bodyLimit = BodyLimit(64 * 1024)

    /// Sets `maxBodySize` for every request from now on.
    static func install(maxBodySize: Int) { bodyLimit.value = maxBodySize }

    public var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on: the fan-out's long-polling GETs watch it to notice a client
    /// that goes away while they wait.
    public let channel: any Channel
    /// The caller, set by `AuthenticationMiddleware` on the routes it guards; nil elsewhere.
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    public var maxUploadSize: Int { Self.maxBodySize }

    /// The caller, or 401 `AUTH_NO_TOKEN`: a route registered outside the authenticated group by mistake
    /// fails closed instead of running anonymously.
    public func requirePrincipal() throws(AuthError) -> Principal {
        guard let principal else { throw .noToken }
        return principal
    }
}

/// The process-wide body limit behind a lock: written once at start-up, read by every request.
private final class BodyLimit: @unchecked Sendable {
    private let lock = NSLock()
    private var limit: Int

    init(_ limit: Int) { self.limit = limit }

    var value: Int {
        get {
            lock.lock()
            defer { lock.unlock() }
            return limit
        }
        set {
            lock.lock()
            defer { lock.unlock() }
            limit = newValue
        }
    }
}
