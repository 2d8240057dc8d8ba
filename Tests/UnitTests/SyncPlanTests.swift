import Foundation
import NovyseCore
import NovyseStorage
import Testing

/// The membership diff and the budget of an update, without a database.
@Suite("Sync plan")
struct SyncPlanTests {
    let me = UUID()

    func chat(
        _ id: UUID = UUID(), member: Bool = true, sent: (Int64, Int64)? = nil, valid: Bool = true,
        positions: (Int64, Int64) = (10, 20), latest: Int = 5, role: MemberRole = .member
    ) -> SyncPlan.ChatStatus {
        SyncPlan.ChatStatus(
            chat: id, member: member, role: member ? role : nil,
            sent: sent.map { SyncCursors.Chat(chatUUID: id, eventID: $0.0, messageID: $0.1) }, cursorsValid: valid,
            eventPosition: positions.0, messagePosition: positions.1, lagging: false, latestMessages: latest
        )
    }

    var local: SyncPlan.LocalStatus { .init(sentEventID: 0, cursorValid: true, position: 0, lagging: false) }

    @Test("the membership diff: lacking → new, invalid cursor → new, held → range, not a member → removed")
    func diff() {
        let lacking = chat()
        let resync = chat(sent: (99, 99), valid: false)
        let held = chat(sent: (4, 20))
        let gone = chat(member: false, sent: (1, 1))
        let plan = SyncPlan(caller: me, limit: 100, chats: [lacking, resync, held, gone], users: [], local: local)
        #expect(Set(plan.newChats) == [lacking.chat, resync.chat])
        #expect(plan.removedChats == [gone.chat])
        #expect(plan.chatRanges.map(\.chat) == [held.chat])
        #expect(plan.chatRanges.first?.eventsAfter == 4 && plan.chatRanges.first?.eventsUpTo == 10)
        #expect(plan.deltaBudget == 100 - 12)
    }

    @Test("a cursor ahead of the projection serves no events, and an up-to-date chat no range")
    func aheadAndCurrent() {
        let ahead = chat(sent: (15, 20))
        let current = chat(sent: (10, 20))
        let plan = SyncPlan(caller: me, limit: 10, chats: [ahead, current], users: [], local: local)
        #expect(plan.chatRanges.isEmpty)
        #expect(!plan.deltasPending)
    }

    @Test("a pending membership is neither new nor removed, and makes the answer lag")
    func pending() {
        var joined = chat(member: false, sent: (0, 0))
        joined.pending = true
        let plan = SyncPlan(
            caller: me, limit: 10, chats: [joined],
            users: [
                .init(
                    user: UUID(), visible: false, sentEventID: 0, cursorValid: false, position: 0, lagging: false,
                    projected: true, pending: true)
            ], local: local)
        #expect(plan.newChats.isEmpty && plan.removedChats.isEmpty && plan.removedUsers.isEmpty)
        #expect(plan.lagging)
    }

    @Test("new chats are never split, the first always goes, and what does not fit says hasMore")
    func budget() {
        let big = chat(positions: (1, 50), latest: 30)
        let small = chat(positions: (1, 40), latest: 2)
        let tight = SyncPlan(caller: me, limit: 5, chats: [big, small], users: [], local: local)
        #expect(tight.newChats == [big.chat], "the most recently active first, whole, even beyond the limit")
        #expect(tight.entitiesLeftOut && tight.deltaBudget == 0)
        let roomy = SyncPlan(caller: me, limit: 40, chats: [big, small], users: [], local: local)
        #expect(roomy.newChats == [big.chat, small.chat] && !roomy.entitiesLeftOut && roomy.deltaBudget == 6)
    }

    @Test("users: the caller first, contacts compacted, strangers removed, unprojected ones make it lag")
    func users() {
        let contact = UUID()
        let stranger = UUID()
        let pending = UUID()
        let users: [SyncPlan.UserStatus] = [
            .init(user: contact, visible: true, sentEventID: 3, cursorValid: true, position: 9, lagging: false, projected: true),
            .init(user: me, visible: true, sentEventID: nil, cursorValid: false, position: 2, lagging: false, projected: true),
            .init(user: stranger, visible: false, sentEventID: 1, cursorValid: false, position: 0, lagging: false, projected: false),
            .init(user: pending, visible: true, sentEventID: nil, cursorValid: false, position: 0, lagging: false, projected: false),
        ]
        let plan = SyncPlan(caller: me, limit: 10, chats: [], users: users, local: local)
        #expect(plan.newUsers == [me])
        #expect(plan.removedUsers == [stranger])
        #expect(plan.userRanges == [.init(user: contact, after: 3, upTo: 9, fullLog: false)])
        #expect(plan.lagging)
    }

    @Test("local: a held cursor gets a range, none or an invalid one gets the whole state")
    func localState() {
        let held = SyncPlan(
            caller: me, limit: 10, chats: [], users: [],
            local: .init(sentEventID: 4, cursorValid: true, position: 8, lagging: false))
        #expect(held.localRange == 4...8 && !held.resendLocal)
        let invalid = SyncPlan(
            caller: me, limit: 10, chats: [], users: [],
            local: .init(sentEventID: 99, cursorValid: false, position: 8, lagging: true))
        #expect(invalid.localRange == nil && invalid.resendLocal && invalid.lagging)
    }
}
