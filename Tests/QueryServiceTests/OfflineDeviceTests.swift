import Foundation
import NovyseCore
import TestSupport
import Testing

/// A device initializes, goes offline while everything happens, and its update makes it equal to a fresh
/// initialize — whole state, not a sample — with the projector caught up, paused, or cut mid-way, and
/// whatever `limit` it pages with.
@Suite("Offline device converges", .serialized)
struct OfflineDeviceTests {
    @Test("an update after everything changed lands on a fresh initialize")
    func updateConverges() async throws {
        try await QueryFixture.with { fixture in
            let world = try await Scenario.make(fixture)
            try await fixture.project()
            var device = try await fixture.freshDevice(world.alice)
            #expect(device.chats.count == 4)
            #expect(device.users.count == 3, "alice, bob and carol; not dave or eve")

            try await world.offlineRound(1)
            try await world.membershipChanges()
            try await world.offlineRound(2)
            try await fixture.project()
            try await fixture.sync(&device, as: world.alice)

            #expect(device.violations == [])
            let differences = try await fixture.divergence(of: device, for: world.alice)
            #expect(differences == [])
            #expect(device.chats[world.carolGroup] == nil && device.chats[world.laterGroup] != nil)
            #expect(device.users[world.dave.id] != nil && device.users[world.eve.id] == nil)
            // The scenario really exercised every kind of item.
            for type in [
                "MESSAGE_EDITED", "REACTION_ADDED", "REACTION_REMOVED", "MESSAGE_DELETED", "MESSAGE_PINNED",
                "MESSAGE_UNPINNED", "MEMBER_JOINED", "MEMBER_LEFT", "MEMBER_ROLE_CHANGED", "NAME_CHANGED", "BIO_CHANGED",
                "SURNAME_CHANGED", "HANDLE_CHANGED", "PICTURE_CHANGED", "BANNER_CHANGED", "COLOR_CHANGED",
                "BIRTHDAY_CHANGED", "THEME_CHANGED", "CHAT_PINNED", "CHAT_UNPINNED", "CHAT_MUTED",
                "CHAT_UNMUTED", "FOLDER_UPDATED", "FOLDER_DELETED", "chat.new", "user.new", "message",
            ] {
                #expect(device.applied[type, default: 0] > 0, "no \(type) was applied")
            }
        }
    }

    @Test("with the projector paused, an update is consistent and says to retry; after catching up it converges")
    func projectorBehind() async throws {
        try await QueryFixture.with { fixture in
            let world = try await Scenario.make(fixture)
            try await fixture.project()
            var device = try await fixture.freshDevice(world.alice)

            try await world.offlineRound(1)
            try await world.membershipChanges()
            // Paused: nothing of that is projected. The answer serves the projected state only, and says so.
            let paused = try await fixture.update(world.alice, body: device.updateBody())
            #expect(paused["retryAfterMs"]?.int64 ?? 0 > 0)
            // I4: nothing beyond the projected positions, although the event store has it all.
            #expect(paused["chats"]?.object?["events"]?.array == [] && paused["messages"]?.array == [])
            #expect(paused["users"]?.object?["events"]?.array == [] && paused["local"]?.array == [])
            #expect(
                paused["chats"]?.object?["new"]?.array == [] && paused["chats"]?.object?["removed"]?.array != [],
                "a removal shows at once (the write model), an addition waits for the projection")
            device.applyUpdate(paused)
            #expect(device.violations == [])

            // Caught mid-way: some streams projected, others not; the device applies what it gets.
            try await fixture.projectPartially(streams: 3)
            try await fixture.sync(&device, as: world.alice)
            try await world.offlineRound(2)
            try await fixture.projectPartially(streams: 5)
            try await fixture.sync(&device, as: world.alice)
            #expect(device.violations == [])

            try await fixture.project()
            let caughtUp = try await fixture.update(world.alice, body: device.updateBody())
            #expect(caughtUp["retryAfterMs"]?.int64 == 0)
            device.applyUpdate(caughtUp)
            try await fixture.sync(&device, as: world.alice)
            #expect(device.violations == [])
            #expect(try await fixture.divergence(of: device, for: world.alice) == [])
        }
    }

    @Test("a join committed but not projected is neither removed nor silent: the answer says to retry")
    func pendingJoin() async throws {
        try await QueryFixture.with { fixture in
            let world = try await Scenario.make(fixture)
            try await fixture.project()
            var device = try await fixture.freshDevice(world.alice)
            #expect(device.chats[world.laterGroup] == nil)
            try await fixture.mutate(
                "POST", "/chat/members", as: world.bob,
                #"{"chatUUID":"\#(world.laterGroup.uuidString)","userUUID":"\#(world.alice.id.uuidString)"}"#
            )
            // Not projected yet. A device that lacks the chat is told to come back; one that already holds it
            // (say from a `chat:new` push) keeps it, and keeps its members' profiles.
            let lacking = try await fixture.update(world.alice, body: device.updateBody())
            #expect(lacking["chats"]?.object?["new"]?.array == [] && lacking["chats"]?.object?["removed"]?.array == [])
            #expect((lacking["retryAfterMs"]?.int64 ?? 0) > 0, "a pending membership must not look settled")
            let holding =
                #"{"local":{"eventID":0},"chats":[{"chatUUID":"\#(world.laterGroup.uuidString)","eventID":0,"messageID":0}],"users":[{"userUUID":"\#(world.carol.id.uuidString)","profileEventID":0}]}"#
            let held = try await fixture.update(world.alice, body: holding)
            #expect(held["chats"]?.object?["removed"]?.array == [], "a pending chat is not removed")
            #expect(held["users"]?.object?["removed"]?.array == [], "nor its members")
            #expect((held["retryAfterMs"]?.int64 ?? 0) > 0)

            try await fixture.project()
            try await fixture.sync(&device, as: world.alice)
            #expect(device.chats[world.laterGroup] != nil)
            #expect(device.violations == [])
            #expect(try await fixture.divergence(of: device, for: world.alice) == [])
        }
    }

    @Test("paging with limit 1, 7 and the maximum ends in the same state as one large answer")
    func pagingIsLossless() async throws {
        try await QueryFixture.with(environment: ["NOVYSE_QUERY_MAX_LIMIT": "500", "NOVYSE_QUERY_LATEST_MESSAGES": "4"]) { fixture in
            let world = try await Scenario.make(fixture)
            for index in 0..<12 { _ = try await world.send("backlog \(index)", in: world.carolGroup, as: world.carol) }
            try await fixture.project()
            let start = try await fixture.freshDevice(world.alice)
            try await world.offlineRound(1)
            try await world.membershipChanges()
            try await world.offlineRound(2)
            try await fixture.project()

            var results: [Int: Mirror] = [:]
            for limit in [1, 7, 500, 100_000] {
                var device = start
                let rounds = try await fixture.sync(&device, as: world.alice, limit: limit)
                #expect(device.violations == [], "limit \(limit)")
                if limit == 1 { #expect(rounds > 50, "limit 1 must page") }
                results[limit] = device
            }
            #expect(results[1] == results[500])
            #expect(results[7] == results[500])
            #expect(results[100_000] == results[500])
            #expect(try await fixture.divergence(of: results[7]!, for: world.alice) == [])

            // Initialize itself pages: with limit 1 the rest arrives through updates.
            var paged = try await fixture.freshDevice(world.alice, limit: 1)
            #expect(paged.chats.count == 1)
            try await fixture.sync(&paged, as: world.alice, limit: 3)
            #expect(paged.violations == [])
            #expect(try await fixture.divergence(of: paged, for: world.alice) == [])
        }
    }
}
