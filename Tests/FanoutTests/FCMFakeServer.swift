import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import Logging
import NIOCore
import NovyseFCM
import ServiceLifecycle
import TestSupport

/// A local stand-in for Google's OAuth2 token endpoint and the FCM HTTP v1 API, on 127.0.0.1 and a port
/// the kernel picks. The token endpoint verifies the RS256 assertion with the service account's public key
/// and its claims, as Google does; `messages:send` accepts only bearer tokens it issued and still valid,
/// records every request and answers from the script.
final class FCMFakeServer: Sendable {
    let port: Int
    let state: Locked<FCMFakeState>
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var tokenURI: String { "\(baseURL)/token" }

    private init(port: Int, state: Locked<FCMFakeState>, group: ServiceGroup, running: Task<Void, any Error>) {
        self.port = port
        self.state = state
        self.group = group
        self.running = running
    }

    static func start(account: FCMTestAccount = .shared) async throws -> FCMFakeServer {
        let state = Locked(FCMFakeState())
        let keys = JWTKeyCollection()
        await keys.add(rsa: account.publicKey, digestAlgorithm: .sha256, kid: JWKIdentifier(string: FCMTestAccount.keyID))
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let router = Router()
        let tokenURIBox = Locked<String>("")
        router.post("/token") { request, _ -> Response in
            let form = Self.form(String(buffer: try await request.body.collect(upTo: 1 << 20)))
            let refusal = await Self.check(form: form, keys: keys, account: account, tokenURI: tokenURIBox.current)
            guard refusal == nil else {
                state.withLock { $0.tokenRequests.append(.init(at: .now, refusal: refusal, issued: nil)) }
                return Self.json(.badRequest, #"{"error":"invalid_grant","error_description":"\#(refusal!)"}"#)
            }
            let (token, lifetime) = state.withLock { state -> (String, Int) in
                let token = "ya29.fake-\(state.issued.count + 1)-\(UUID().uuidString.prefix(8))"
                state.issued[token] = .now + .seconds(state.tokenLifetimeSeconds)
                state.tokenRequests.append(.init(at: .now, refusal: nil, issued: token))
                return (token, state.tokenLifetimeSeconds)
            }
            return Self.json(.ok, #"{"access_token":"\#(token)","expires_in":\#(lifetime),"token_type":"Bearer"}"#)
        }
        router.post("/v1/projects/:project/messages:send") { request, context -> Response in
            let body = Data(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            let authorization = request.headers[.authorization]
            let message = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
            let token = (message?["message"] as? [String: Any])?["token"] as? String
            let (valid, reply, delay) = state.withLock { state -> (Bool, FCMFakeState.Reply?, Duration) in
                let bearer = authorization.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
                let valid = bearer.flatMap { state.issued[$0] }.map { ContinuousClock.now < $0 } ?? false
                state.sends.append(
                    .init(at: .now, authorization: authorization, bearerValid: valid, path: request.uri.path, body: body, token: token)
                )
                var reply: FCMFakeState.Reply?
                if !state.globalScript.isEmpty {
                    reply = state.globalScript.removeFirst()
                } else if let token, var queue = state.scripts[token], !queue.isEmpty {
                    reply = queue.removeFirst()
                    state.scripts[token] = queue
                }
                return (valid, reply, state.sendDelay)
            }
            // A delayed answer ends early once the test sets the delay back to zero, so a test can hold a send
            // in flight for as long as it likes and still stop this server promptly.
            let answerAt = ContinuousClock.now + delay
            while answerAt > ContinuousClock.now, state.current.sendDelay > .zero { try await Task.sleep(for: .milliseconds(10)) }
            guard valid else { return Self.reply(.unauthorized) }
            guard context.parameters.get("project") == account.projectID else {
                return Self.reply(.fcmError(404, "NOT_FOUND", fcmCode: nil, message: "unknown project"))
            }
            if let reply { return Self.reply(reply) }
            return Self.json(.ok, #"{"name":"projects/\#(account.projectID)/messages/\#(UUID().uuidString)"}"#)
        }
        var logger = Logger(label: "fcm.fake")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "fcm-fake"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let running = Task {
            defer { portContinuation.finish() }  // a server that failed to start must not leave the caller waiting
            try await group.run()
        }
        var port = 0
        for await bound in ports { port = bound }
        guard port > 0 else {
            running.cancel()
            throw FCMWait.TimedOut(description: "the fake FCM server did not start")
        }
        tokenURIBox.withLock { $0 = "http://127.0.0.1:\(port)/token" }
        return FCMFakeServer(port: port, state: state, group: group, running: running)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }

    /// Runs `body` with a fresh server and always stops it.
    static func with<T>(_ body: (FCMFakeServer) async throws -> T) async throws -> T {
        let server = try await start()
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    // MARK: Helpers

    /// Nil when the form carries a JWT-bearer grant whose assertion Google would accept.
    private static func check(form: [String: String], keys: JWTKeyCollection, account: FCMTestAccount, tokenURI: String) async -> String? {
        guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer" else { return "wrong grant_type \(form["grant_type"] ?? "-")" }
        guard let assertion = form["assertion"] else { return "no assertion" }
        do {
            let claims = try await keys.verify(assertion, as: FCMAssertionClaims.self)
            guard claims.iss.value == account.clientEmail else { return "iss \(claims.iss.value)" }
            guard claims.scope == FCMAssertionClaims.messagingScope else { return "scope \(claims.scope)" }
            guard claims.aud.value == [tokenURI] else { return "aud \(claims.aud.value)" }
            let lifetime = claims.exp.value.timeIntervalSince(claims.iat.value)
            guard lifetime > 0, lifetime <= 3600 else { return "lifetime \(lifetime)" }
            guard abs(claims.iat.value.timeIntervalSinceNow) < 300 else { return "iat too far from now" }
            return nil
        } catch {
            return "assertion refused: \(error)"
        }
    }

    private static func form(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    private static func reply(_ reply: FCMFakeState.Reply) -> Response {
        var response = json(HTTPResponse.Status(code: reply.status), reply.body)
        for (name, value) in reply.headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }

    private static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=UTF-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }
}
