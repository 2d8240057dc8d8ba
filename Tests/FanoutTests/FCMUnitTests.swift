import Foundation
import Testing

@testable import NovyseFCM

/// The FCM rules that need no server: answer classification, `Retry-After`, the key file.
@Suite("FCMUnit")
struct FCMUnitTests {
    static func body(_ reply: FCMFakeState.Reply) -> Data { Data(reply.body.utf8) }

    @Test func classifiesAnswersAsTheErrorReferenceSays() {
        typealias C = FCMResponseClassifier
        #expect(C.classify(status: 200, body: Data("{}".utf8), retryAfter: nil) == .delivered)
        #expect(C.classify(status: 404, body: Self.body(.unregistered), retryAfter: nil) == .tokenInvalid(reason: "UNREGISTERED"))
        #expect(C.classify(status: 400, body: Self.body(.invalidToken), retryAfter: nil) == .tokenInvalid(reason: "INVALID_ARGUMENT"))
        #expect(C.classify(status: 401, body: Self.body(.unauthorized), retryAfter: nil) == .unauthorized)
        #expect(
            C.classify(status: 503, body: Self.body(.unavailable(retryAfter: nil)), retryAfter: "7")
                == .retry(after: .seconds(7), status: 503, detail: "The service is unavailable"))
        if case .retry(nil, 429, _) = C.classify(status: 429, body: Data(), retryAfter: nil) {} else { Issue.record("429 must retry") }
        if case .retry = C.classify(status: 500, body: Data("oops".utf8), retryAfter: nil) {} else { Issue.record("500 must retry") }
        if case .rejected(400, _, _) = C.classify(status: 400, body: Self.body(.badField), retryAfter: nil) {
        } else {
            Issue.record("a bad field is not a dead token")
        }
        if case .rejected(403, "THIRD_PARTY_AUTH_ERROR", _) = C.classify(status: 403, body: Self.body(.forbidden), retryAfter: nil) {
        } else {
            Issue.record("403 is dropped")
        }
        if case .rejected(404, _, _) = C.classify(status: 404, body: Data("<html>not found</html>".utf8), retryAfter: nil) {
        } else {
            Issue.record("a bare 404 (wrong URL, proxy) must not remove tokens")
        }
    }

    @Test func parsesRetryAfterInSecondsAndAsAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        #expect(FCMResponseClassifier.parseRetryAfter("120", now: now) == .seconds(120))
        #expect(FCMResponseClassifier.parseRetryAfter("Tue, 14 Nov 2023 22:13:50 GMT", now: now) == .seconds(30))
        #expect(FCMResponseClassifier.parseRetryAfter("Tue, 14 Nov 2023 22:00:00 GMT", now: now) == .zero)
        #expect(FCMResponseClassifier.parseRetryAfter("soon", now: now) == nil)
        #expect(FCMResponseClassifier.parseRetryAfter(nil, now: now) == nil)
        #expect(FCMResponseClassifier.parseRetryAfter("-5", now: now) == .zero)
    }

    @Test func readsAServiceAccountKeyFile() throws {
        let account = try FCMTestAccount.shared.serviceAccount(tokenURI: "https://oauth2.googleapis.com/token")
        #expect(account.clientEmail == FCMTestAccount.shared.clientEmail)
        #expect(account.projectID == "novyse-test")
        #expect(account.privateKeyID == FCMTestAccount.keyID)
        let configuration = FCMConfiguration(serviceAccount: account, baseURL: "http://127.0.0.1:9/")
        #expect(configuration.sendURL == "http://127.0.0.1:9/v1/projects/novyse-test/messages:send")
        #expect(configuration.effectiveTokenURI == "https://oauth2.googleapis.com/token")
    }

    @Test func refusesBrokenKeyFiles() throws {
        var fields = try #require(
            try JSONSerialization.jsonObject(with: try FCMTestAccount.shared.json(tokenURI: "https://t")) as? [String: String]
        )
        fields["private_key"] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        let broken = try JSONSerialization.data(withJSONObject: fields)
        #expect(throws: FCMError.self) { try FCMServiceAccount(json: broken) }
        fields.removeValue(forKey: "client_email")
        #expect(throws: FCMError.self) { try FCMServiceAccount(json: try JSONSerialization.data(withJSONObject: fields)) }
        #expect(throws: FCMError.self) { try FCMServiceAccount(json: Data("not json".utf8)) }
        #expect(throws: FCMError.self) { try FCMServiceAccount(contentsOfFile: "/nonexistent/key.json") }
    }
}
