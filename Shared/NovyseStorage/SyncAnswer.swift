import Foundation

/// An update (or initialize) answer as rendered JSON fragments: Postgres builds each object, the service
/// only joins them into the envelope, so no row is decoded and re-encoded on the way out.
public struct SyncAnswer: Sendable, Equatable {
    /// Full chat objects, in the order they were chosen (most recently active first).
    public var newChats: [String] = []
    /// Chat events after the caller's cursors, in ID order (so in stream order per chat).
    public var chatEvents: [String] = []
    public var removedChats: [UUID] = []
    public var newUsers: [String] = []
    public var userEvents: [String] = []
    public var removedUsers: [UUID] = []
    /// The latest messages of each new chat, then new messages of held chats in ID order.
    public var messages: [String] = []
    public var localEvents: [String] = []
    /// The whole private state, when the caller had none or its local cursor could not be continued from.
    public var localState: String?
    /// The limit cut the answer: apply it, then ask again with the new cursors.
    public var hasMore = false
    /// Something the caller may see is committed but not yet projected.
    public var lagging = false

    public init() {}

    /// What the plan alone decides, before anything is rendered: removals, lag, and whether the limit
    /// left entities out.
    init(_ plan: SyncPlan) {
        removedChats = plan.removedChats
        removedUsers = plan.removedUsers
        lagging = plan.lagging
        hasMore = plan.entitiesLeftOut
    }
}
