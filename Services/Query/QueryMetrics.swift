import Metrics
import NovyseStorage

/// What the read side serves, beyond the per-route request counters every service has: how many items
/// answers carry, and how often they are cut by the limit or served while the projection lags — the two
/// signals that clients are paging through a backlog or waiting on the projector.
struct QueryMetrics: Sendable {
    let items = Counter(label: "novyse_query_items_total")
    let newChats = Counter(label: "novyse_query_new_chats_total")
    let removals = Counter(label: "novyse_query_removals_total")
    let cut = Counter(label: "novyse_query_answers_cut_total")
    let lagging = Counter(label: "novyse_query_answers_lagging_total")
    let answerItems = Recorder(label: "novyse_query_answer_items")

    func record(_ answer: SyncAnswer) {
        let count =
            answer.messages.count + answer.chatEvents.count + answer.userEvents.count + answer.localEvents.count
            + answer.newChats.count + answer.newUsers.count
        items.increment(by: count)
        answerItems.record(count)
        newChats.increment(by: answer.newChats.count)
        removals.increment(by: answer.removedChats.count + answer.removedUsers.count)
        if answer.hasMore { cut.increment() }
        if answer.lagging { lagging.increment() }
    }
}
