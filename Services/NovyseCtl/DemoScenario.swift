import Foundation
import Logging
import NovyseClient
import NovyseCore

/// The demo's story, step by step, printed as it goes. Each step waits on a condition of the mirrors
/// (with a deadline), never on a fixed sleep.
struct DemoScenario {
    /// One simulated person with one device.
    struct Person {
        let name: String
        let handle: String
        let id: UUID
        let device: NovyseClient
    }

    let admin: NovyseDevAdmin
    let endpoints: (command: String, query: String, fanout: String)
    let stepTimeout: Duration
    let logger: Logger

    /// Runs the story; returns whether every mirror matched the server at the end.
    func run() async throws -> Bool {
        print("Novyse demo: command \(endpoints.command), query \(endpoints.query), fan-out \(endpoints.fanout)\n")
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        var people: [Person] = []
        for name in ["Alice", "Bob", "Carol"] {
            let handle = "\(name.lowercased())_\(suffix)"
            let id = try await admin.createUser(handle: handle, name: name)
            var configuration = NovyseClientConfiguration(
                commandURL: endpoints.command, queryURL: endpoints.query, fanoutURL: endpoints.fanout,
                token: try await admin.token(for: id, device: "demo-phone")
            )
            configuration.maxBackoff = .seconds(1)
            let device = try NovyseClient.inMemory(configuration: configuration, logger: logger)
            try await device.initialize()
            await device.connect()
            people.append(Person(name: name, handle: handle, id: id, device: device))
        }
        let (alice, bob, carol) = (people[0], people[1], people[2])
        print("• created @\(alice.handle), @\(bob.handle), @\(carol.handle); each device initialized an in-memory mirror and opened its socket")
        try await waitUntil("every socket connected", people) { person in await person.device.socketStatus.connected }

        let chat = try await alice.device.createChat(type: .group, members: [bob.id, carol.id], name: "Weekend plans")
        try await waitUntil("everyone has the chat", people) { person in try await person.device.snapshot().chats.contains { $0.uuid == chat.key } }
        print("• Alice created the group \"Weekend plans\"; it reached every device (chat:new)")

        let lines = [(alice, "Hiking on Saturday?"), (bob, "Yes! Which trail?"), (carol, "I'm in"), (alice, "The ridge trail, 9am")]
        var ids: [Int64] = []
        for (person, text) in lines { ids.append(try await person.device.sendMessage(text, in: chat).messageID ?? 0) }
        try await waitUntil("every device has the messages", people) { person in try await person.device.snapshot().messages.count >= lines.count }
        print("• \(lines.count) messages exchanged; every mirror has them (message:new pushes)")

        await carol.device.disconnect()
        print("• Carol goes offline (her socket is closed; her mirror stays as it is)")
        _ = try await bob.device.editMessage(ids[1], in: chat, content: "Yes! The ridge or the lake trail?")
        _ = try await alice.device.react("👍", to: ids[2], in: chat)
        _ = try await bob.device.react("🎉", to: ids[3], in: chat)
        _ = try await alice.device.pinMessage(ids[3], in: chat)
        _ = try await alice.device.updateProfile(["name": .string("Alice Liddell"), "biography": .string("Trail runner")])
        _ = try await bob.device.sendMessage("Bringing snacks", in: chat)
        print("  while she is away: Bob edits a message, Alice and Bob react, Alice pins the plan, changes her name and bio, Bob posts")
        try await waitUntil("Alice and Bob see the changes live", [alice, bob]) { person in
            try await person.device.snapshot().users.contains { $0.uuid == alice.id.key && $0.name == "Alice Liddell" }
        }
        let live = await alice.device.audit.pushesApplied + bob.device.audit.pushesApplied
        print("  Alice's and Bob's devices applied \(live) pushed items live so far")

        let report = try await carol.device.sync()
        await carol.device.connect()
        print("• Carol comes back: one update cycle (\(report.answers) answer\(report.answers == 1 ? "" : "s")) brought \(report.total) items:")
        print(
            "    \(report.messages) new message(s), \(report.chatEvents) chat event(s), \(report.userEvents) profile event(s), \(report.localEvents) private event(s)"
        )
        for line in report.lines.prefix(8) { print("    - \(line)") }

        var converged = true
        for person in people {
            _ = try await person.device.sync()
            let server = try await NovyseClient.canonical(configuration: person.device.configuration, logger: logger)
            let mirror = try await person.device.snapshot()
            let differences = server.differences(from: mirror)
            if differences.isEmpty {
                print(
                    "• \(person.name)'s mirror equals a fresh initialize + full history: \(mirror.chats.count) chat, \(mirror.users.count) users, \(mirror.messages.count) messages, row for row ✓"
                )
            } else {
                converged = false
                print("• \(person.name)'s mirror DIFFERS from the server:")
                for difference in differences.prefix(10) { print("    \(difference)") }
            }
            let audit = await person.device.audit
            if !audit.violations.isEmpty {
                converged = false
                print("    ordering violations: \(audit.violations.prefix(5))")
            }
        }
        for person in people { await person.device.disconnect() }
        return converged
    }

    /// Waits until `condition` holds for every person (polling every 50 ms, up to `stepTimeout`).
    func waitUntil(_ what: String, _ people: [Person], _ condition: (Person) async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + stepTimeout
        while true {
            var all = true
            for person in people where !(try await condition(person)) { all = false }
            if all { return }
            guard ContinuousClock.now < deadline else { throw DemoError(message: "timed out waiting until \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

struct DemoError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
