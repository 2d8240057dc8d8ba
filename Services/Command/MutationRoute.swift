import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NovyseCore
import NovyseService
import NovyseStorage
import PostgresNIO

/// The one path every mutation takes once `AuthenticationMiddleware` has named the caller (and charged its
/// rate limit): read and strictly decode the body, validate, run the storage work in one transaction under
/// the caller's `Idempotency-Key`, wake the relay, answer `{success, data}` with the IDs created.
struct MutationRoute: Sendable {
    let store: CommandStore
    /// Called after a mutation committed, to publish its outbox rows promptly.
    let onCommit: @Sendable () -> Void

    func handle<Body: CommandRequest, Result: Codable & Sendable>(
        _ request: Request,
        context: NovyseRequestContext,
        body _: Body.Type,
        singleStatement: Bool = false,
        validate: (Body) throws -> Void = { _ in },
        perform: @escaping @Sendable (CommandStore, Principal, Body, PostgresConnection) async throws -> Result
    ) async throws -> Response {
        let principal = try context.requirePrincipal()
        let buffer = try await RequestBody.read(request, context: context)
        let body = try RequestBody.decode(Body.self, from: buffer)
        try validate(body)
        return try await commit(
            request, canonicalBody: try Self.canonical(body), principal: principal, singleStatement: singleStatement
        ) { store, connection in
            try await perform(store, principal, body, connection)
        }
    }

    /// The transaction, idempotency and answer, for routes that parse their own body.
    func commit<Result: Codable & Sendable>(
        _ request: Request, canonicalBody: String, principal: Principal, singleStatement: Bool = false,
        _ work: @escaping @Sendable (CommandStore, PostgresConnection) async throws -> Result
    ) async throws -> Response {
        let idempotency = try idempotencyRequest(request, canonicalBody: canonicalBody, principal: principal)
        let (result, replayed) = try await store.transaction(
            idempotency: idempotency, singleStatement: singleStatement
        ) { [store] connection in
            try await work(store, connection)
        }
        if !replayed { onCommit() }
        var response = try Self.json(SuccessEnvelope(result))
        if replayed { response.headers[HTTPField.Name("Idempotency-Replayed")!] = "true" }
        return response
    }

    /// The key, if sent, with a hash of method, path and the decoded body in canonical form (sorted keys),
    /// so a retry that serializes the same request differently is still the same request, and the same key
    /// for a different request is refused (422) rather than answered with the first request's result.
    private func idempotencyRequest(
        _ request: Request, canonicalBody: String, principal: Principal
    ) throws -> IdempotencyRequest? {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        guard Limits.idempotencyKey.contains(key.utf8.count), key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw APIError.badRequest(.invalidIdempotencyKey, "Idempotency-Key: 1–255 visible ASCII characters")
        }
        var hasher = SHA256()
        hasher.update(data: Data("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        hasher.update(data: Data(canonicalBody.utf8))
        let hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return IdempotencyRequest(userID: principal.userID, key: key, requestHash: hash)
    }

    /// Compact JSON with sorted keys: equal requests give equal text.
    static func canonical(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
