import Foundation
import NIOConcurrencyHelpers
import NovyseCore
import NovyseSocketIO
import TestSupport
import Testing

/// The official python-socketio client (installed by `deploy/local/install-deps.sh`) against the server:
/// with its default options (polling, then the upgrade to WebSocket) and with WebSocket only.
@Suite struct PythonClientInteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Interop/python_client.py").path

    static var python: String? { Shell.which("python3") }

    @Test(.enabled(if: python != nil, "python3 is not installed"), arguments: ["default", "websocket"])
    func officialClientConnectsCallsAndReceives(transports: String) async throws {
        try await SocketIOTestServer.with { server in
            let identity = "py-\(transports)"
            let client = try Self.start(port: server.port, token: "user:\(identity)", transports: transports)
            defer { client.signal(SIGKILL) }
            do {
                try await SocketIOTestServer.waitUntil("the python client to connect") {
                    guard client.isRunning else { throw PollingClient.Failure(description: client.capturedOutput) }
                    return server.handler.sockets.withLockedValue { $0[identity] } != nil
                }
            } catch {
                Issue.record("python client: \(client.capturedOutput)")
                throw error
            }
            let socketID = try #require(server.handler.sockets.withLockedValue { $0[identity] })
            try await SocketIOTestServer.waitUntil("the python client's echo call") {
                client.capturedOutput.contains("ack ")
            }
            #expect(server.server.emit(toSocket: socketID, event: "greeting", data: ["text": "hello"]))
            let status = await client.waitForExit(timeout: TestDeadline.generous)
            let output = client.capturedOutput
            #expect(status == 0, "\(output)")
            #expect(output.contains(#"ack {"hello": "novyse"}"#), "\(output)")
            #expect(output.contains(#"greeting {"text": "hello"}"#), "\(output)")
            #expect(output.contains("transport websocket"), "\(output)")
            #expect(output.contains("done"), "\(output)")
            try await SocketIOTestServer.waitUntil("the disconnect") {
                server.handler.entries.contains { $0.hasPrefix("disconnected \(identity)") }
            }
        }
    }

    @Test(.enabled(if: python != nil, "python3 is not installed"), arguments: ["default", "websocket"])
    func officialClientSeesTheRefusalCode(transports: String) async throws {
        try await SocketIOTestServer.with { server in
            let client = try Self.start(port: server.port, token: "expired", transports: transports)
            defer { client.signal(SIGKILL) }
            let status = await client.waitForExit(timeout: TestDeadline.generous)
            #expect(status == 0, "\(client.capturedOutput)")
            #expect(client.capturedOutput.contains(#""code": "AUTH_TOKEN_EXPIRED""#), "\(client.capturedOutput)")
        }
    }

    static func start(port: Int, token: String, transports: String) throws -> ManagedProcess {
        let process = ManagedProcess(
            name: "python-socketio", executable: python ?? "/usr/bin/python3",
            arguments: [script, "http://127.0.0.1:\(port)", token, transports],
            environment: ProcessInfo.processInfo.environment, output: .captured
        )
        try process.start()
        return process
    }
}
