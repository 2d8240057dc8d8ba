import Hummingbird
import NIOConcurrencyHelpers

/// The methods each path of a router answers, so that a known path asked with another method gets
/// 405 `METHOD_NOT_ALLOWED` with `Allow` (RFC 9110 §15.5.6) rather than the router's 404.
///
/// Filled once the routes are in place (`ServiceRuntime.makeApplication`); the error middleware, added before
/// any route, reads it when the router finds nothing. Paths are the routes' literal paths: none of ours
/// has parameters.
public final class RouteTable: Sendable {
    private let methods = NIOLockedValueBox<[String: [String]]>([:])

    public init() {}

    /// Records every route of `router`.
    public func record<Context>(_ router: Router<Context>) {
        var table: [String: Set<String>] = [:]
        for route in router.routes {
            table[route.path.description, default: []].insert(route.method.rawValue)
        }
        methods.withLockedValue { $0 = table.mapValues { $0.sorted() } }
    }

    /// The methods `path` answers, sorted; empty for a path no route has.
    public func allowedMethods(for path: String) -> [String] {
        methods.withLockedValue { $0[path] ?? [] }
    }
}
