import HTTPTypes
import HummingbirdTesting
import NIOCore

extension TestClientProtocol {
    /// Sends a request to a router driven in process (HummingbirdTesting's `.router` client) and reads the answer
    /// as the HTTP harnesses do, so a test reads the same `APIAnswer` whether a process or a router answered.
    public func answer(_ method: String, _ path: String, headers: [String: String], body: String?) async throws -> APIAnswer {
        var fields = HTTPFields()
        for (name, value) in headers {
            guard let name = HTTPField.Name(name) else { throw HarnessError("not a header name: \(name)") }
            fields[name] = value
        }
        guard let method = HTTPRequest.Method(method) else { throw HarnessError("not a method: \(method)") }
        let response = try await executeRequest(uri: path, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) })
        var answerHeaders: [String: String] = [:]
        for field in response.headers { answerHeaders[field.name.canonicalName] = field.value }
        return APIAnswer(
            status: response.status.code, body: String(buffer: response.body),
            replayed: answerHeaders["idempotency-replayed"] == "true", headers: answerHeaders
        )
    }
}
