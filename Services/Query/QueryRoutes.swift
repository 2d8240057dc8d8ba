import Foundation
import Hummingbird
import Logging
import NIOCore
import NovyseCore
import NovyseService
import NovyseStorage

/// `GET /user/initialize`, `POST /user/update`, `GET /chat/history`, `GET /chat/members`: parse, ask the
/// store, write the answer, for the caller `AuthenticationMiddleware` put on the context (`QueryRouter`).
/// Refusals are `APIError`s with codes; storage detail never reaches the client.
struct QueryRoutes: Sendable {
    let store: QueryStore
    let configuration: QueryConfiguration
    let metrics = QueryMetrics()

    func register(on router: some RouterMethods<NovyseRequestContext>) {
        router.get("/user/initialize") { request, context in
            try await initialize(request, context: context)
        }
        router.post("/user/update") { request, context in
            try await update(request, context: context)
        }
        router.get("/chat/history") { request, context in
            try await history(request, context: context)
        }
        router.get("/chat/members") { request, context in
            try await members(request, context: context)
        }
    }

    func initialize(_ request: Request, context: NovyseRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let limit = try limit(request.uri.queryParameters, fallback: configuration.defaultLimit, max: configuration.maxLimit)
        let answer = try await run {
            try await store.sync(
                caller: principal.userID, cursors: .empty, limit: limit, latestMessages: configuration.latestMessages,
                chatMembers: configuration.chatMembers
            )
        }
        metrics.record(answer)
        return SyncResponse.initialize(answer, retryAfterMs: configuration.retryAfterMs)
    }

    func update(_ request: Request, context: NovyseRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let buffer = try await request.collectJSONBody(upTo: configuration.maxUpdateBytes)
        let body = try UpdateRequest(body: Data(buffer.readableBytesView), maxCursors: configuration.maxCursors)
        let limit = min(body.limit ?? configuration.defaultLimit, configuration.maxLimit)
        let answer = try await run {
            try await store.sync(
                caller: principal.userID, cursors: body.cursors, limit: limit, latestMessages: configuration.latestMessages,
                chatMembers: configuration.chatMembers
            )
        }
        metrics.record(answer)
        return SyncResponse.update(answer, retryAfterMs: configuration.retryAfterMs)
    }

    func history(_ request: Request, context: NovyseRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        let chat = try uuid(query, "chatUUID", required: true)!
        var before: Int64?
        if let text = query["beforeMessageID"] {
            guard let id = Int64(String(text)), (1...UpdateRequest.maxID).contains(id) else {
                throw APIError.badRequest(.invalidField, "beforeMessageID must be an integer 1…2^53−1")
            }
            before = id
        }
        let limit = try limit(query, fallback: configuration.historyDefaultLimit, max: configuration.historyMaxLimit)
        let page = try await run {
            try await store.history(caller: principal.userID, chat: chat, before: before, limit: limit)
        }
        return SyncResponse.page("messages", page.items, hasMore: page.hasMore)
    }

    func members(_ request: Request, context: NovyseRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        let chat = try uuid(query, "chatUUID", required: true)!
        let after = try uuid(query, "afterUserUUID", required: false)
        let limit = try limit(query, fallback: configuration.membersDefaultLimit, max: configuration.membersMaxLimit)
        let page = try await run {
            try await store.members(caller: principal.userID, chat: chat, after: after, limit: limit)
        }
        return SyncResponse.page("members", page.items, hasMore: page.hasMore)
    }

    /// A UUID query parameter; `INVALID_FIELD` when malformed, or absent but required.
    func uuid(_ query: Parameters, _ name: String, required: Bool) throws -> UUID? {
        guard let text = query[Substring(name)] else {
            if required { throw APIError.badRequest(.invalidField, "\(name) is required") }
            return nil
        }
        guard let value = UUID(uuidString: String(text)) else { throw APIError.badRequest(.invalidField, "\(name) must be a UUID") }
        return value
    }

    /// The `limit` query parameter, lowered to `max` (each route has its own), or `fallback` when absent.
    /// Absurdly large is lowered too, as in the update body; only non-numbers and < 1 are refused.
    func limit(_ query: Parameters, fallback: Int, max: Int) throws -> Int {
        guard let text = query["limit"] else { return fallback }
        if !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), Int(text) == nil { return max }
        guard let value = Int(text), value >= 1 else {
            throw APIError.badRequest(.invalidField, "limit must be a positive integer")
        }
        return min(value, max)
    }

    /// Runs a store call, turning the store's domain refusals into API errors.
    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as QueryStoreError {
            throw APIError(error)
        }
    }
}

extension APIError {
    init(_ error: QueryStoreError) {
        switch error {
        case .unknownCaller:
            self.init(.unknownUser, message: "the token's user does not exist")
        case .callerNotProjected:
            self.init(.notYetProjected, message: "the account is being set up; retry shortly")
        case .unknownChat:
            self.init(.unknownChat, message: "no such chat")
        case .notAMember:
            self.init(.notAMember, message: "only members read a chat's history")
        }
    }
}
