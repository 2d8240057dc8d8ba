import Foundation
import NovyseFCM
import NovyseService
import TestSupport
import Testing

@testable import FanoutService

/// Reading the wake-up settings from the environment.
@Suite("WakeupConfiguration")
struct WakeupConfigurationTests {
    @Test func withoutAServiceAccountWakeupsAreDisabled() throws {
        let configuration = try WakeupConfiguration(environment: EnvironmentReader([:]), prefix: "novyse")
        #expect(!configuration.enabled)
        #expect(configuration.window == .seconds(10))
        #expect(configuration.group == "wakeup")
        #expect(configuration.streamKey == "novyse:wakeups")
    }

    @Test func readsEveryKey() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fcm-\(UUID().uuidString).json")
        try FCMTestAccount.shared.json(tokenURI: "https://oauth2.googleapis.com/token").write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try WakeupConfiguration(
            environment: EnvironmentReader([
                "NOVYSE_FCM_SERVICE_ACCOUNT_FILE": file.path, "NOVYSE_FCM_BASE_URL": "http://127.0.0.1:9999",
                "NOVYSE_FCM_TOKEN_URI": "http://127.0.0.1:9999/token", "NOVYSE_FCM_TIMEOUT_MS": "2500",
                "NOVYSE_WAKEUP_WINDOW_MS": "1500", "NOVYSE_WAKEUP_GROUP": "g", "NOVYSE_WAKEUP_CONSUMER": "c",
                "NOVYSE_WAKEUP_MAX_ATTEMPTS": "7", "NOVYSE_WAKEUP_BACKOFF_MS": "20", "NOVYSE_WAKEUP_MAX_RETRY_AFTER_MS": "9000",
                "NOVYSE_WAKEUP_CONCURRENCY": "3", "NOVYSE_WAKEUP_BATCH": "10", "NOVYSE_WAKEUP_BLOCK_MS": "100",
                "NOVYSE_WAKEUP_CLAIM_INTERVAL_MS": "200", "NOVYSE_WAKEUP_CLAIM_IDLE_MS": "300",
                "NOVYSE_WAKEUP_STREAM_MAXLEN": "1000", "NOVYSE_WAKEUP_MAX_AGE_MS": "60000",
            ]),
            prefix: "p"
        )
        let fcm = try #require(configuration.fcm)
        #expect(fcm.sendURL == "http://127.0.0.1:9999/v1/projects/novyse-test/messages:send")
        #expect(fcm.effectiveTokenURI == "http://127.0.0.1:9999/token")
        #expect(fcm.maxAttempts == 7 && fcm.initialBackoff == .milliseconds(20) && fcm.maxRetryAfter == .seconds(9))
        #expect(fcm.requestTimeout == .milliseconds(2500))
        #expect(configuration.window == .milliseconds(1500) && configuration.group == "g" && configuration.consumer == "c")
        #expect(configuration.concurrency == 3 && configuration.batchSize == 10 && configuration.block == .milliseconds(100))
        #expect(configuration.claimInterval == .milliseconds(200) && configuration.claimIdle == .milliseconds(300))
        #expect(configuration.streamMaxLength == 1000 && configuration.maxAge == .seconds(60))
        #expect(configuration.streamKey == "p:wakeups" && configuration.trailingKey == "p:wakeups:trailing")
    }

    @Test(arguments: [
        ("NOVYSE_FCM_SERVICE_ACCOUNT_FILE", "/nonexistent/key.json"),
        ("NOVYSE_WAKEUP_WINDOW_MS", "soon"),
        ("NOVYSE_WAKEUP_MAX_ATTEMPTS", "0"),
    ])
    func aBadValueNamesItsKey(_ key: String, _ value: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fcm-\(UUID().uuidString).json")
        try FCMTestAccount.shared.json(tokenURI: "https://oauth2.googleapis.com/token").write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var environment = ["NOVYSE_FCM_SERVICE_ACCOUNT_FILE": file.path]
        environment[key] = value
        do {
            _ = try WakeupConfiguration(environment: EnvironmentReader(environment), prefix: "novyse")
            Issue.record("\(key)=\(value) was accepted")
        } catch let error as ConfigurationError {
            #expect(error.key == key)
        }
    }

    @Test("every key the fan-out's configurations read is in docs/configuration.md")
    func everyKeyIsDocumented() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fcm-\(UUID().uuidString).json")
        try FCMTestAccount.shared.json(tokenURI: "https://oauth2.googleapis.com/token").write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let environment = EnvironmentReader.recording(["NOVYSE_FCM_SERVICE_ACCOUNT_FILE": file.path])
        _ = try WakeupConfiguration(environment: environment, prefix: "novyse")
        _ = try FanoutConfiguration(environment: environment)
        #expect(environment.requestedKeys.contains("NOVYSE_FCM_TIMEOUT_MS"), "the FCM branch was read")
        #expect(!environment.requestedKeys.contains("NOVYSE_REDIS_PREFIX"), "the prefix comes from ServiceConfiguration")
        #expect(try ConfigurationReference.undocumented(environment.requestedKeys) == [])
    }

    @Test func deviceMembersRoundTrip() {
        let device = WakeupDevice(userUUID: UUID(), deviceID: "tablet:2")
        #expect(WakeupDevice(member: device.member) == device)
        #expect(WakeupDevice(member: "nonsense") == nil)
    }
}
