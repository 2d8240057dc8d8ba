import Foundation
import Logging
import NovyseCore
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

@testable import FanoutService

/// The fan-out decides each item's audience as of the item's position, whatever order the pipeline's
/// partitions are read in: a chat's messages and its chat events travel in different partitions, so a
/// message sent after a removal can be routed before the removal, and one sent before a join after it.
///
/// The items are real (written by the command store, rendered by the outbox claim, as the relay publishes
/// them); the planner routes them in hostile orders. On a main that took the audience from a membership
/// cache refreshed on MEMBER_* (or from the write model as of now), routing the messages first sends the
/// message written after Bob's removal to nobody new but gives Dave the one written before his join when
/// the join comes first, and the one before Bob's removal misses Bob when the removal comes first.
@Suite("Fan-out audience as of each item's position")
struct FanoutAudienceTests {
    struct World: Sendable {
        let client: PostgresClient
        let store: FanoutStore
        let messages: [PipelineEntry]
        let events: [PipelineEntry]
        /// For each entry (by stream kind and id), what each event name goes to.
        let expected: [String: [String: Set<UUID>]]
    }

    static let logger = Logger.quiet("fanout-audience")

    static func key(_ entry: PipelineEntry) -> String { "\(entry.stream.kind)/\(entry.id)" }

    /// Alice's group with Bob and Carol: a message, Bob removed, a message, Dave added, a message, a reaction.
    static func withWorld(_ body: @Sendable (World) async throws -> Void) async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withPostgresClient(url: database.url) { client in
            let people = try await UserRepository(client: client, logger: logger).create(named: "Alice", "Bob", "Carol", "Dave")
            let (alice, bob, carol, dave) = (people[0], people[1], people[2], people[3])
            let store = CommandStore(client: client, logger: logger)
            func run<T: Codable & Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
                try await store.transaction(idempotency: nil, work).result
            }
            let chat = try #require(
                UUID(
                    uuidString: try await run {
                        try await store.createChat(by: alice, type: .group, members: [bob, carol], name: "g", on: $0)
                    }.chatUUID))
            func send(_ text: String) async throws -> Int64 {
                try await run { try await store.sendMessage(chat: chat, sender: alice, content: text, clientMessageID: UUID(), on: $0) }.messageID
            }
            let beforeRemoval = try await send("before bob's removal")
            let removal = try await run { try await store.removeMember(bob, from: chat, by: alice, on: $0) }.eventID
            let afterRemoval = try await send("after bob's removal, before dave's join")
            let join = try await run { try await store.addMember(dave, to: chat, by: alice, on: $0) }.eventID
            let afterJoin = try await send("after dave's join")
            let reaction = try await run {
                try await store.setReaction("👍", on: afterJoin, in: chat, by: carol, present: true, on: $0)
            }.eventID

            let entries = try await client.withTransaction(logger: logger) { connection in
                try await OutboxStore.claim(limit: 1000, on: connection, logger: logger).items.map(\.entry)
            }
            let messages = entries.filter { $0.stream.kind == .chatMessages }
            let events = entries.filter { $0.stream.kind == .chatEvents }
            #expect(messages.map(\.id) == [beforeRemoval, afterRemoval, afterJoin])
            #expect(events.map(\.id) == [PipelineEntry.creationID, removal, join, reaction])
            #expect(messages.map(\.eventPosition) == [0, removal, join], "each message names the event it was sent after")

            let m = StreamKind.chatMessages
            let e = StreamKind.chatEvents
            let expected: [String: [String: Set<UUID>]] = [
                "\(m)/\(beforeRemoval)": ["message:new": [alice, bob, carol]],
                "\(m)/\(afterRemoval)": ["message:new": [alice, carol]],
                "\(m)/\(afterJoin)": ["message:new": [alice, carol, dave]],
                // Bob left since: the chat as of now is not his to read.
                "\(e)/0": ["chat:new": [alice, carol]],
                "\(e)/\(removal)": ["chat:event": [alice, carol], "chat:removed": [bob]],
                "\(e)/\(join)": ["chat:event": [alice, carol], "chat:new": [dave]],
                "\(e)/\(reaction)": ["chat:event": [alice, carol, dave]],
            ]
            try await body(
                World(client: client, store: FanoutStore(client: client, logger: logger), messages: messages, events: events, expected: expected))
        }
    }

    /// Routes `order` through a fresh planner and checks every entry's deliveries.
    static func check(_ order: [PipelineEntry], in world: World, capacity: Int = 100, changesKept: Int = 32) async throws {
        let planner = FanoutPlanner(
            store: world.store, memberships: MembershipTimeline(store: world.store, capacity: capacity, changesKept: changesKept),
            chatNewMessages: 10
        )
        for entry in order {
            var got: [String: Set<UUID>] = [:]
            for delivery in try await planner.plan(entry) where !delivery.users.isEmpty {
                got[delivery.event, default: []].formUnion(delivery.users)
            }
            #expect(got == world.expected[key(entry)], "\(key(entry)) routed in the order \(order.map(key))")
        }
    }

    @Test("messages routed before the membership changes they follow go to the members as of their position")
    func messagesFirst() async throws {
        try await Self.withWorld { world in try await Self.check(world.messages + world.events, in: world) }
    }

    @Test("messages routed after membership changes that follow them still go to the members as of their position")
    func eventsFirst() async throws {
        try await Self.withWorld { world in try await Self.check(world.events + world.messages, in: world) }
    }

    @Test("every interleaving that keeps each stream in order gives the same audiences, cached or not")
    func randomInterleavings() async throws {
        try await Self.withWorld { world in
            var random = SplitMix64(seed: 0xA0D1_E7CE)
            for round in 0..<24 {
                var messages = world.messages[...]
                var events = world.events[...]
                var order: [PipelineEntry] = []
                while !messages.isEmpty || !events.isEmpty {
                    let takeMessage = events.isEmpty || (!messages.isEmpty && random.next() % 2 == 0)
                    order.append(takeMessage ? messages.removeFirst() : events.removeFirst())
                }
                // Caching off, a history of one change, and the default.
                let (capacity, kept) = [(0, 32), (100, 1), (100, 32)][round % 3]
                try await Self.check(order, in: world, capacity: capacity, changesKept: kept)
            }
        }
    }

    @Test("chat:new lists at most its member limit, the owner first, with as many profiles")
    func chatNewMembersCapped() async throws {
        try await Self.withWorld { world in
            let planner = FanoutPlanner(
                store: world.store, memberships: MembershipTimeline(store: world.store, capacity: 100),
                chatNewMessages: 10, chatNewMembers: 1
            )
            let projector = ProjectorStore(client: world.client, logger: Self.logger)
            while try await projector.sweep(limit: 10_000) > 0 {}
            let creation = try #require(world.events.first)
            let payload = try #require(try await planner.plan(creation).first?.payload)
            let object = try JSONDecoder().decode(JSONValue.self, from: Data(payload.utf8))
            guard case .object(let fields) = object, case .object(let chat)? = fields["chat"],
                case .array(let members)? = chat["members"], case .array(let users)? = fields["users"]
            else {
                Issue.record("not a chat:new object: \(payload)")
                return
            }
            #expect(members.count == 1 && users.count == 1)
            #expect(chat["hasMoreMembers"] == .bool(true))
            if case .object(let first) = members.first { #expect(first["role"] == .string("OWNER")) }
        }
    }

    @Test("a chat event missing from the pipeline (Redis lost it) is noticed by its successor's prevID")
    func gapInTheEventStream() async throws {
        try await Self.withWorld { world in
            // Dave's join never arrives: the reaction after it must still reach him.
            let order = world.events.enumerated().filter { $0.offset != 2 }.map(\.element) + world.messages
            try await Self.check(order, in: world)
        }
    }
}
