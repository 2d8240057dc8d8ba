import Foundation
import HTTPTypes
import NIOCore

/// Where a request comes from, for the limits kept per client address: the command service's bucket for
/// unauthenticated requests and the fan-out's cap on sessions not yet authenticated. One rule for both, so
/// an operator configures the proxy header once (`NOVYSE_CLIENT_ADDRESS_HEADER`) and every limit agrees on
/// who a client is.
///
/// Behind a proxy every connection comes from the proxy's address, so the proxy's header is read instead:
/// its last entry, the one the proxy itself wrote (earlier entries come from the client and can be forged).
/// Without a header, or when it is absent or implausible, the connection's peer address is used.
public struct ClientAddress: Sendable {
    /// The header a trusted proxy appends the client's address to (`X-Forwarded-For`); nil: the peer.
    public let header: HTTPField.Name?

    public init(header: HTTPField.Name? = nil) {
        self.header = header
    }

    /// From `NOVYSE_CLIENT_ADDRESS_HEADER` (unset: the connection's peer address).
    public init(environment: EnvironmentReader) throws {
        guard let text = environment.string("NOVYSE_CLIENT_ADDRESS_HEADER") else {
            self.init()
            return
        }
        guard let name = HTTPField.Name(text) else {
            throw ConfigurationError(key: "NOVYSE_CLIENT_ADDRESS_HEADER", reason: "'\(text)' is not a header name")
        }
        self.init(header: name)
    }

    /// The address of the client that sent `headers` over a connection from `peer`; `unknown` when neither
    /// says (all such clients then share one address's limits).
    public func of(headers: HTTPFields, peer: SocketAddress?) -> String {
        if let header, let forwarded = headers[values: header].last {
            let last = forwarded.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if !last.isEmpty, last.utf8.count <= 64 { return last }
        }
        return peer?.ipAddress ?? "unknown"
    }
}
