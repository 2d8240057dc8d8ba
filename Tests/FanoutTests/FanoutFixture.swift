import Foundation
import NovyseCore
import NovyseSocketIO
import TestSupport

/// A command service and one or more `novyse-fanout` processes on one private Postgres and Redis, with
/// helpers to connect devices and produce pipeline items.
struct FanoutFixture: Sendable {
    let harness: CommandHarness
    let fanouts: [RunningService]

    /// `environment` is added to every fan-out process's (wake-up settings, short intervals).
    static func start(processes: Int = 1, environment: [String: String] = [:]) async throws -> FanoutFixture {
        let harness = try await CommandHarness.start()
        var fanouts: [RunningService] = []
        do {
            for _ in 0..<processes {
                let fanout = try await RunningService.start(
                    "novyse-fanout", portKey: "NOVYSE_FANOUT_PORT", databaseURL: harness.database.url,
                    redisURL: harness.redis.url, environment: environment
                )
                fanouts.append(fanout)
                // The reader takes its start positions right after start-up; items before that are not pushed.
                try await TestDeadline.waitUntil("fan-out reading the pipeline") {
                    fanout.process.capturedOutput.contains("fan-out reading the pipeline")
                }
            }
        } catch {
            for fanout in fanouts { await fanout.process.stop() }
            await harness.stop()
            throw error
        }
        return FanoutFixture(harness: harness, fanouts: fanouts)
    }

    func stop() async {
        for fanout in fanouts { await fanout.process.stop() }
        await harness.stop()
    }

    /// One fan-out process (with `environment`) for the duration of `body`, stopped whether it returns or throws.
    static func with(
        environment: [String: String] = [:], _ body: (FanoutFixture, RunningService) async throws -> Void
    ) async throws {
        let fixture = try await start(environment: environment)
        try await withCleanup(fixture, { await $0.stop() }) { fixture in try await body(fixture, fixture.fanouts[0]) }
    }

    /// A token for another device of `user`.
    func token(_ user: TestUser, device: String) async throws -> String {
        let issued = try await harness.call(
            "POST", "/admin/tokens", admin: true, json: #"{"userUUID":"\#(user.id.uuidString)","deviceID":"\#(device)"}"#
        )
        if case .string(let token)? = issued.data["token"] { return token }
        throw FanoutSocketClient.Failure(description: issued.body)
    }

    func connect(_ user: TestUser, device: String, process: Int = 0) async throws -> FanoutSocketClient {
        try await FanoutSocketClient.connect(
            port: fanouts[process].port, token: try await token(user, device: device), label: "\(user.handle)/\(device)"
        )
    }

    /// Changes `user`'s theme: a local event only `user`'s devices may see.
    func changeTheme(_ user: TestUser, to theme: String) async throws {
        let answer = try await harness.call("PUT", "/user/theme", as: user, json: #"{"theme":"\#(theme)"}"#)
        guard answer.status == 200 else { throw FanoutSocketClient.Failure(description: "theme: \(answer.body)") }
    }

    /// Makes sure every fan-out process has routed everything committed so far, for the devices of `users`:
    /// two rounds of local events per user, each waited for on the given clients. Items are published in
    /// commit order and routed one read after another, so once the second round arrived, nothing older is
    /// still on its way.
    func settle(_ clients: [(TestUser, FanoutSocketClient)], collector: EventCollector) async throws {
        for round in ["settle-1", "settle-2"] {
            for user in Set(clients.map(\.0.id)) {
                guard let owner = clients.first(where: { $0.0.id == user })?.0 else { continue }
                try await changeTheme(owner, to: round)
            }
            for (_, client) in clients {
                _ = try await collector.wait(client, for: round) { events in
                    events.contains { $0.name == "local:event" && $0.data["payload"]?["theme"]?.stringValue == round }
                }
            }
        }
    }
}

extension [FanoutSocketClient.Event] {
    /// The events named `name`, without the settle markers.
    func named(_ name: String) -> [FanoutSocketClient.Event] {
        filter { $0.name == name && !($0.data["payload"]?["theme"]?.stringValue?.hasPrefix("settle") ?? false) }
    }
}
