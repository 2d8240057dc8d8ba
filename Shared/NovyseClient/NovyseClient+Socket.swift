import Foundation
import GRDB
import Logging
import NovyseCore

/// Real-time delivery: the Socket.IO connection and the pushed items it brings.
extension NovyseClient {
    /// Opens the Socket.IO connection (and keeps reopening it with backoff until `disconnect()`). Each
    /// successful CONNECT runs an update cycle, because the socket only carries what happens while connected.
    public func connect() {
        guard socket == nil else { return }
        let (signals, continuation) = AsyncStream<SocketSignal>.makeStream()
        let configuration = configuration
        let connection = SocketConnection(
            urlProvider: { configuration.currentFanoutURL }, token: configuration.token, signals: continuation,
            backoff: backoff, logger: logger
        )
        socket = connection
        socketTask = Task { [weak self] in
            for await signal in signals {
                guard let self else { return }
                await self.handle(signal)
            }
        }
        connection.start()
    }

    /// Closes the connection and stops reconnecting (the app went to the background, or the device is offline).
    /// Items already received are still applied (the signal stream ends after them), never cut mid-apply.
    public func disconnect() async {
        guard let connection = socket else { return }
        socket = nil
        await connection.stop()
        socketTask = nil
    }

    /// Breaks the current connection as a network failure would; the client reconnects by itself. For tests.
    public func dropConnection() {
        socket?.drop()
    }

    /// Whether the socket is connected right now, and how many CONNECTs it has completed.
    public var socketStatus: (connected: Bool, connects: Int) {
        (socket?.isConnected ?? false, socket?.connectCount ?? 0)
    }

    func handle(_ signal: SocketSignal) async {
        switch signal {
        case .connected:
            await backgroundSync(reason: "connected")
        case .disconnected(let reason):
            logger.debug("socket disconnected", metadata: ["reason": "\(reason)"])
        case .event(let name, let data):
            if configuration.dropPush?(name, data) == true { return }
            guard let item = PushedItem(name: name, data: data) else { return }
            await handlePush(item)
        }
    }

    /// Applies one pushed item in its own transaction if it follows the local cursor; otherwise (a gap)
    /// runs an update cycle, which fetches it along with whatever was missed.
    func handlePush(_ item: PushedItem) async {
        let me = userID.key
        let strict = configuration.strictOrdering
        let fault = configuration.applyFault
        let outcome: PushedItem.Outcome
        do {
            outcome = try await serialized {
                let (outcome, report, violations) = try await database.write { db in
                    var writer = MirrorWriter(db: db, me: me, strict: strict, fault: fault)
                    let outcome = try writer.applyPushed(item)
                    if outcome == .applied { try writer.stage(.pushed) }
                    return (outcome, writer.report, writer.violations)
                }
                record(violations)
                auditState.appliedItems += report.total
                return outcome
            }
        } catch {
            logger.warning("applying a pushed item failed", metadata: ["error": "\(rolledBack(error))"])
            outcome = .gap
        }
        switch outcome {
        case .applied:
            auditState.pushesApplied += 1
            // A removal may leave profiles no chat shares any more; the update's `users.removed` prunes them.
            if case .chatRemoved = item { await backgroundSync(reason: "chat removed") }
        case .duplicate:
            auditState.pushesDuplicate += 1
        case .gap:
            auditState.pushGaps += 1
            await backgroundSync(reason: "gap")
        }
    }

    /// An update cycle the app did not ask for (reconnect, gap): failures are logged and retried later.
    func backgroundSync(reason: String) async {
        do {
            _ = try await sync()
        } catch {
            logger.notice("background update failed", metadata: ["reason": "\(reason)", "error": "\(error)"])
            scheduleResync()
        }
    }

    /// One retry of a failed background update after the longest backoff, jittered (not stacked).
    private func scheduleResync() {
        guard !resyncScheduled else { return }
        resyncScheduled = true
        let delay = backoff.delay(retry: .max)
        Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard let self, await self.clearResync() else { return }
            await self.backgroundSync(reason: "retry")
        }
    }

    /// Clears the flag; false when the socket was closed meanwhile (then nobody waits for background updates).
    private func clearResync() -> Bool {
        resyncScheduled = false
        return socket != nil
    }
}
