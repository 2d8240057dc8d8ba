import Foundation
import NovyseCore

/// One answer of `GET /user/initialize` or `POST /user/update`, split into the lists the seed's applying
/// order walks through. Initialize's `{local, users, chats, messages}` is read as an update whose every
/// chat and user is new and whose private state is sent whole, so one code path applies both.
public struct UpdateAnswer: Sendable {
    public var newChats: [[String: JSONValue]] = []
    public var newUsers: [[String: JSONValue]] = []
    public var messages: [[String: JSONValue]] = []
    public var chatEvents: [[String: JSONValue]] = []
    public var userEvents: [[String: JSONValue]] = []
    public var localEvents: [[String: JSONValue]] = []
    public var removedChats: [UUID] = []
    public var removedUsers: [UUID] = []
    /// The whole private state, when the server could not continue from the local cursor (or on initialize).
    public var localState: [String: JSONValue]?
    /// The answer was cut by `limit`: apply it and ask again at once.
    public var hasMore = false
    /// > 0 while something the caller may see is committed but not yet projected.
    public var retryAfterMs = 0

    public init() {}

    /// Reads the `data` object of an update answer.
    init(update data: [String: JSONValue]) throws {
        guard let chats = data["chats"]?.objectValue, let users = data["users"]?.objectValue else {
            throw NovyseClientError.malformed("update answer without chats/users")
        }
        newChats = chats["new"]?.objectsValue ?? []
        chatEvents = chats["events"]?.objectsValue ?? []
        removedChats = (chats["removed"]?.arrayValue ?? []).compactMap(\.uuidValue)
        newUsers = users["new"]?.objectsValue ?? []
        userEvents = users["events"]?.objectsValue ?? []
        removedUsers = (users["removed"]?.arrayValue ?? []).compactMap(\.uuidValue)
        messages = data["messages"]?.objectsValue ?? []
        localEvents = data["local"]?.objectsValue ?? []
        localState = data["localState"]?.objectValue
        hasMore = data["hasMore"]?.boolValue ?? false
        retryAfterMs = Int(data["retryAfterMs"]?.int64Value ?? 0)
    }

    /// Reads the `data` object of an initialize answer.
    init(initialize data: [String: JSONValue]) {
        newChats = data["chats"]?.objectsValue ?? []
        newUsers = data["users"]?.objectsValue ?? []
        messages = data["messages"]?.objectsValue ?? []
        localState = data["local"]?.objectValue
        hasMore = data["hasMore"]?.boolValue ?? false
        retryAfterMs = Int(data["retryAfterMs"]?.int64Value ?? 0)
    }

    /// Items in the answer, for reports.
    var itemCount: Int {
        newChats.count + newUsers.count + messages.count + chatEvents.count + userEvents.count + localEvents.count
            + removedChats.count + removedUsers.count + (localState == nil ? 0 : 1)
    }
}

/// What one update cycle (or one pushed item) changed in the mirror: counts per kind and a few readable
/// lines, for an app's diagnostics and for the demo.
public struct ApplyReport: Sendable, Equatable {
    public var answers = 0
    public var newChats = 0
    public var newUsers = 0
    public var messages = 0
    public var chatEvents = 0
    public var userEvents = 0
    public var localEvents = 0
    public var removedChats = 0
    public var removedUsers = 0
    public var localStateReplaced = 0
    /// The answers said the projection was behind (`retryAfterMs` > 0) at the end of the patience budget.
    public var stillLagging = false
    /// Human-readable lines, one per applied item (the first `lineLimit`).
    public var lines: [String] = []
    static let lineLimit = 200

    public init() {}

    /// Items applied, all kinds together.
    public var total: Int {
        newChats + newUsers + messages + chatEvents + userEvents + localEvents + removedChats + removedUsers + localStateReplaced
    }

    mutating func note(_ line: @autoclosure () -> String) {
        if lines.count < Self.lineLimit { lines.append(line()) }
    }

    /// Adds another report's counts and lines to this one.
    public mutating func merge(_ other: ApplyReport) {
        answers += other.answers
        newChats += other.newChats
        newUsers += other.newUsers
        messages += other.messages
        chatEvents += other.chatEvents
        userEvents += other.userEvents
        localEvents += other.localEvents
        removedChats += other.removedChats
        removedUsers += other.removedUsers
        localStateReplaced += other.localStateReplaced
        stillLagging = other.stillLagging
        for line in other.lines where lines.count < Self.lineLimit { lines.append(line) }
    }
}
