import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// The whole body of each service's `@main`: read configuration, build the runtime, let the service add
/// its routes and long-running parts, run until SIGTERM/SIGINT.
///
/// A configuration error exits with status 78 (EX_CONFIG) and one line naming the key, so a misconfigured
/// deployment fails fast and legibly instead of crash-looping with a stack trace.
public enum ServiceLauncher {
    public typealias Setup = @Sendable (ServiceRuntime, Router<NovyseRequestContext>) async throws -> [any Service]

    /// A setup that also chooses the HTTP channel setup (the fan-out service adds a WebSocket upgrade).
    public typealias ServerSetup =
        @Sendable (ServiceRuntime, Router<NovyseRequestContext>) async throws
        -> (services: [any Service], server: HTTPServerBuilder)

    /// A setup that builds the whole router itself (with `ServiceRouter.make`), the way tests build it.
    public typealias RouterSetup =
        @Sendable (ServiceRuntime) async throws
        -> (router: Router<NovyseRequestContext>, services: [any Service])

    public static func run(_ kind: ServiceKind, routerSetup: RouterSetup) async {
        await launch(kind) { runtime in
            let (router, services) = try await routerSetup(runtime)
            return (router, services, .http1())
        }
    }

    public static func run(_ kind: ServiceKind, setup: Setup = { _, _ in [] }) async {
        await run(kind, serverSetup: { runtime, router in (try await setup(runtime, router), .http1()) })
    }

    public static func run(_ kind: ServiceKind, serverSetup: ServerSetup) async {
        await launch(kind) { runtime in
            let router = runtime.makeRouter()
            let (services, server) = try await serverSetup(runtime, router)
            return (router, services, server)
        }
    }

    private static func launch(
        _ kind: ServiceKind,
        _ setup: (ServiceRuntime) async throws -> (Router<NovyseRequestContext>, [any Service], HTTPServerBuilder)
    ) async {
        do {
            let configuration = try ServiceConfiguration(service: kind)
            let runtime = try await ServiceRuntime(configuration: configuration)
            let (router, services, server) = try await setup(runtime)
            let application = runtime.makeApplication(router: router, server: server, services: services)
            runtime.logger.info(
                "starting",
                metadata: ["host": "\(configuration.host)", "port": "\(configuration.port)"]
            )
            try await application.runService()
            runtime.logger.info("stopped")
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("\(kind.executableName): \(error)\n".utf8))
            exit(78)
        } catch {
            FileHandle.standardError.write(Data("\(kind.executableName): fatal: \(String(reflecting: error))\n".utf8))
            exit(1)
        }
    }
}
