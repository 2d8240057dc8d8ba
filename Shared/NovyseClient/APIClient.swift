import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NovyseCore

/// The HTTP side of the client: JSON requests to the command and query services, the `{success, data}`
/// envelope opened, failures classified into `NovyseClientError` (refusals final, the rest retryable).
struct APIClient: Sendable {
    /// One decoded success answer.
    struct Answer: Sendable {
        let status: Int
        let data: [String: JSONValue]
        /// `Idempotency-Replayed: true`: the server returned the stored answer of an earlier attempt.
        let replayed: Bool
    }

    let http: HTTPClient
    let configuration: NovyseClientConfiguration

    /// Sends one request; `base` is the service's base URL, `body` JSON or nil.
    func send(
        _ method: HTTPMethod, base: String, path: String, body: JSONValue? = nil, idempotencyKey: String? = nil
    ) async throws -> Answer {
        let fault = configuration.transportFault?(method.rawValue, path) ?? .none
        if fault == .failBeforeSending { throw NovyseClientError.transport("request not sent (injected)") }
        var request = HTTPClientRequest(url: base.trimmingSuffix("/") + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonText))
        }
        let status: Int
        let bytes: ByteBuffer
        let replayed: Bool
        do {
            let response = try await http.execute(request, timeout: .milliseconds(configuration.requestTimeout.milliseconds))
            status = Int(response.status.code)
            replayed = response.headers.first(name: "Idempotency-Replayed") == "true"
            bytes = try await response.body.collect(upTo: 256 << 20)
        } catch {
            throw NovyseClientError.transport(String(describing: error))
        }
        if fault == .loseAnswer { throw NovyseClientError.transport("answer lost (injected)") }
        let json = JSONValue.parse(Data(bytes.readableBytesView))?.objectValue ?? [:]
        if (200..<300).contains(status), json["success"]?.boolValue == true {
            return Answer(status: status, data: json["data"]?.objectValue ?? [:], replayed: replayed)
        }
        let error = json["error"]?.objectValue ?? [:]
        let code = error["code"]?.stringValue ?? "HTTP_\(status)"
        if status >= 500 || status == 429 { throw NovyseClientError.unavailable(status: status, code: code) }
        if (200..<300).contains(status) { throw NovyseClientError.malformed("\(method) \(path): no success envelope") }
        throw NovyseClientError.rejected(status: status, code: code, message: error["message"]?.stringValue ?? "")
    }
}

extension Duration {
    /// Whole milliseconds, for APIs that take integers.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
