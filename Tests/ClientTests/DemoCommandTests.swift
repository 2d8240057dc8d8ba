import Foundation
import TestSupport
import Testing

/// `novysectl demo` against real services, as a developer runs it against `novysectl dev`.
@Suite("novysectl demo")
struct DemoCommandTests {
    @Test("the demo's offline device catches up, and every mirror matches the server")
    func demoConverges() async throws {
        try await ClientFixture.with { fixture in
            let process = ManagedProcess(
                name: "novysectl-demo", executable: BuiltProducts.path("novysectl"),
                arguments: [
                    "demo", "--command-url", "http://127.0.0.1:\(fixture.harness.service.port)",
                    "--query-url", "http://127.0.0.1:\(fixture.query.port)",
                    "--fanout-url", "http://127.0.0.1:\(fixture.fanouts.current[0].port)",
                    "--admin-token", TestTokens.adminToken,
                ],
                environment: ProcessInfo.processInfo.environment, output: .captured
            )
            try process.start()
            let status = await process.waitForExit(timeout: TestDeadline.generous)
            let output = process.capturedOutput
            print(output)
            #expect(status == 0, "novysectl demo failed:\n\(output)")
            #expect(output.contains("Carol comes back"))
            #expect(output.components(separatedBy: "row for row ✓").count - 1 == 3, "all three mirrors must match")
            #expect(output.contains("MESSAGE_EDITED") && output.contains("REACTION_ADDED") && output.contains("NAME_CHANGED"))
        }
    }
}
