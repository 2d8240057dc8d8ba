import Foundation
import NovyseCore
import TestSupport
import Testing

/// The update's fast path: one classification statement outside any transaction answers an update that
/// has nothing to render. These tests commit (and project) exactly in the gap between that probe and the
/// answer, the race the fast path must survive: nothing is lost, nothing is half-served.
@Suite("Nothing-changed probe")
struct NothingChangedTests {
    /// A hook that runs `action` the first time an update passes its probe, then never again.
    final class Gap: Sendable {
        let action = Locked<(@Sendable () async throws -> Void)?>(nil)
        func arm(_ body: @escaping @Sendable () async throws -> Void) { action.withLock { $0 = body } }
        func fire() async throws {
            if let body = action.withLock({ current -> (@Sendable () async throws -> Void)? in
                defer { current = nil }
                return current
            }) {
                try await body()
            }
        }
    }

    @Test("a send committed and projected right after a probe that saw nothing is in the next update")
    func raceAfterEmptyProbe() async throws {
        let gap = Gap()
        try await QueryFixture.with(afterProbe: { try await gap.fire() }) { fixture in
            let world = try await Scenario.make(fixture)
            try await fixture.project()
            var device = try await fixture.freshDevice(world.alice)
            gap.arm {
                _ = try await world.send("raced", in: world.group, as: world.bob)
                try await fixture.project()
            }
            // The probe saw nothing: the answer is the probe's snapshot, whatever committed after it.
            let first = try await fixture.update(world.alice, body: device.updateBody())
            #expect(first["messages"]?.array == [], "the answer is as of the probe, which preceded the send")
            #expect(first["chats"]?.object?["events"]?.array == [])
            device.applyUpdate(first)
            #expect(gap.action.current == nil, "the race was run")

            let second = try await fixture.update(world.alice, body: device.updateBody())
            let contents = second["messages"]?.objects?.compactMap { $0["content"]?.string } ?? []
            #expect(contents == ["raced"])
            device.applyUpdate(second)
            #expect(device.violations == [])
            #expect(try await fixture.divergence(of: device, for: world.alice) == [])
        }
    }

    @Test("items committed between a probe that saw something and the answer's transaction are served whole")
    func raceAfterNonEmptyProbe() async throws {
        let gap = Gap()
        try await QueryFixture.with(afterProbe: { try await gap.fire() }) { fixture in
            let world = try await Scenario.make(fixture)
            try await fixture.project()
            var device = try await fixture.freshDevice(world.alice)
            let seen = try await world.send("seen by the probe", in: world.group, as: world.bob)
            try await fixture.project()
            gap.arm {
                _ = try await world.send("after the probe", in: world.group, as: world.bob)
                try await world.onMessage("PATCH", "/message", chat: world.group, message: seen, as: world.bob, extra: #","content":"edited""#)
                try await world.onMessage("PUT", "/message/reaction", chat: world.group, message: seen, as: world.carol, extra: #","reaction":"👍""#)
                try await fixture.project()
            }
            // The transaction classifies again in its own snapshot, which includes the gap's commits.
            let answer = try await fixture.update(world.alice, body: device.updateBody())
            #expect(gap.action.current == nil, "the race was run")
            let contents = Set(answer["messages"]?.objects?.compactMap { $0["content"]?.string } ?? [])
            #expect(contents.isSuperset(of: ["after the probe"]))
            let events = answer["chats"]?.object?["events"]?.objects?.compactMap { $0["type"]?.string } ?? []
            #expect(events.contains("MESSAGE_EDITED") && events.contains("REACTION_ADDED"), "\(events)")
            device.applyUpdate(answer)
            #expect(device.violations == [])
            #expect(try await fixture.divergence(of: device, for: world.alice) == [], "one answer brought it all, consistently")
        }
    }

    @Test("an update with nothing new answers no items, and a removal still comes through the fast path")
    func emptyAnswerShape() async throws {
        try await QueryFixture.with { fixture in
            let world = try await Scenario.make(fixture)
            try await fixture.project()
            var device = try await fixture.freshDevice(world.alice)
            let empty = try await fixture.update(world.alice, body: device.updateBody())
            for list in ["messages", "local"] { #expect(empty[list]?.array == [], "\(list)") }
            for group in ["chats", "users"] {
                for list in ["new", "events", "removed"] { #expect(empty[group]?.object?[list]?.array == [], "\(group).\(list)") }
            }
            #expect(empty["localState"] == .null && empty["hasMore"] == .bool(false) && empty["retryAfterMs"] == .integer(0))

            // Removed from a chat, projector paused: nothing to render, and the removal is answered at once (the
            // write model decides it).
            try await fixture.mutate(
                "DELETE", "/chat/members", as: world.carol,
                #"{"chatUUID":"\#(world.carolGroup.uuidString)","userUUID":"\#(world.alice.id.uuidString)"}"#)
            let removed = try await fixture.update(world.alice, body: device.updateBody())
            #expect(removed["chats"]?.object?["removed"]?.array?.compactMap(\.uuid) == [world.carolGroup])
            #expect(removed["messages"]?.array == [])
            device.applyUpdate(removed)
            try await fixture.project()
            _ = try await fixture.sync(&device, as: world.alice)
            #expect(device.violations == [])
            #expect(try await fixture.divergence(of: device, for: world.alice) == [])
        }
    }
}
