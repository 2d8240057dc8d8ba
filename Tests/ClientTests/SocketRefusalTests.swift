import Logging
import NovyseCore
import TestSupport
import Testing

@testable import NovyseClient

/// The product client's socket against a server that upgrades and closes at once: the refusal must be seen
/// (with its code), not lost with the `101` so that the client waits for a heartbeat that never comes.
@Suite struct SocketRefusalTests {
    @Test("a refusal that comes with the 101 (1013) ends the session at once, its code seen")
    func refusalWithTheUpgradeIsSeen() async throws {
        let server = try await RefusingWebSocketServer.start()
        let (signals, continuation) = AsyncStream<SocketSignal>.makeStream()
        let port = server.port
        let connection = SocketConnection(
            urlProvider: { "http://127.0.0.1:\(port)" }, token: "token", signals: continuation,
            backoff: Backoff(initial: .seconds(600), maximum: .seconds(600)), logger: Logger(label: "test")
        )
        let started = ContinuousClock.now
        connection.start()
        var reason: String?
        for await signal in signals {
            if case .disconnected(let why) = signal {
                reason = why
                break
            }
        }
        let waited = ContinuousClock.now - started
        await connection.stop()
        await server.stop()
        // Without the close frame the client would only give up when its silence limit (60 s before any
        // handshake) ran out, and say "server silent".
        #expect(reason?.contains("1013") == true, "\(reason ?? "no signal")")
        #expect(!connection.isConnected && connection.connectCount == 0)
        #expect(waited < .seconds(60), "took \(waited)")
    }
}
