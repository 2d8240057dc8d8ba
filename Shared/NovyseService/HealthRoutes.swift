import Foundation
import Hummingbird
import NIOCore
import Prometheus

/// `/health/live`, `/health/ready` and `/metrics`, the same on every service.
public struct HealthRoutes: Sendable {
    let readiness: ReadinessProbe

    public init(readiness: ReadinessProbe) {
        self.readiness = readiness
    }

    public func register(on router: Router<NovyseRequestContext>) {
        router.get("/health/live") { _, _ in
            Self.json(.ok, #"{"status":"live"}"#)
        }
        router.get("/health/ready") { _, _ in
            let report = await readiness.check()
            let body =
                #"{"status":"\#(report.status)","postgres":\#(report.postgres),"redis":\#(report.redis),"redisRequired":\#(report.redisRequired)}"#
            return Self.json(report.ready ? .ok : .serviceUnavailable, body)
        }
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            Observability.registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }
}
