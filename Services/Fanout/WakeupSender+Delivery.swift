import Foundation
import Logging
import Metrics
import NovyseFCM
import NovyseRedis
import NovyseStorage
import ServiceLifecycle

extension WakeupSender {
    /// One wake-up read from the stream.
    struct Entry: Sendable {
        let id: String
        let device: WakeupDevice
        /// When it was queued, in Redis time (ms since 1970).
        let queuedAt: Int64?

        init?(_ raw: RedisStreamEntry) {
            guard let user = raw.fields["user"].flatMap(UUID.init(uuidString:)),
                let device = raw.fields["device"], !device.isEmpty
            else { return nil }
            id = raw.id
            self.device = WakeupDevice(userUUID: user, deviceID: device)
            queuedAt = raw.fields["at"].flatMap { Int64($0) }
        }
    }

    /// A wake-up ready to send: the entry and the token the device holds now.
    struct Delivery: Sendable {
        let entry: Entry
        let token: String
    }

    /// Handles one batch and acknowledges what is done. Throws when the token lookup fails (the batch then
    /// stays pending and is claimed again after `claimIdle`) or when `XACK` fails.
    func handle(_ raw: [RedisStreamEntry], _ fcm: FCMClient) async throws {
        var done: [String] = []
        var entries: [Entry] = []
        let nowMilliseconds = Int64(Date().timeIntervalSince1970 * 1000)
        let maxAge = WakeupQueue.milliseconds(configuration.maxAge)
        for item in raw {
            guard let entry = Entry(item) else {
                metrics.count(.malformed)
                logger.warning("malformed wake-up entry acknowledged", metadata: ["id": "\(item.id)"])
                done.append(item.id)
                continue
            }
            if let queuedAt = entry.queuedAt, nowMilliseconds - queuedAt > maxAge {
                metrics.count(.expired)
                done.append(entry.id)
                continue
            }
            entries.append(entry)
        }
        let found = try await tokens.tokens(for: entries.map { ($0.device.userUUID, $0.device.deviceID) })
        var tokenOf: [WakeupDevice: String] = [:]
        for row in found { tokenOf[WakeupDevice(userUUID: row.userUUID, deviceID: row.deviceID)] = row.token }
        var deliveries: [Delivery] = []
        for entry in entries {
            if let token = tokenOf[entry.device] {
                deliveries.append(Delivery(entry: entry, token: token))
            } else {
                metrics.count(.noToken)
                done.append(entry.id)
            }
        }
        // Shutdown cuts sends (and their retry delays) short; what did not finish stays pending.
        let ready = deliveries
        let reports = await cancelWhenGracefulShutdown { [self] in await sendAll(ready, fcm) }
        for (delivery, report) in zip(deliveries, reports) where await record(report, for: delivery) {
            done.append(delivery.entry.id)
        }
        try await redis.xack(configuration.streamKey, group: configuration.group, ids: done)
    }

    /// Sends every delivery, at most `concurrency` at a time; reports come back in the deliveries' order.
    func sendAll(_ deliveries: [Delivery], _ fcm: FCMClient) async -> [FCMSendReport] {
        var reports = [FCMSendReport?](repeating: nil, count: deliveries.count)
        await withTaskGroup(of: (Int, FCMSendReport).self) { group in
            var next = 0
            func addNext() {
                guard next < deliveries.count else { return }
                let index = next
                let token = deliveries[index].token
                next += 1
                group.addTask {
                    let started = ContinuousClock.now
                    let report = await fcm.send(token: token)
                    metrics.sendSeconds.recordNanoseconds((ContinuousClock.now - started).wholeNanoseconds)
                    return (index, report)
                }
            }
            for _ in 0..<min(configuration.concurrency, deliveries.count) { addNext() }
            for await (index, report) in group {
                reports[index] = report
                addNext()
            }
        }
        return reports.map { $0 ?? FCMSendReport(outcome: .interrupted, attempts: 0) }
    }

    /// Counts and logs one final answer and applies it (a dead token is removed); false when the wake-up
    /// must stay pending (interrupted by shutdown).
    func record(_ report: FCMSendReport, for delivery: Delivery) async -> Bool {
        metrics.retries.increment(by: report.retries)
        let device = delivery.entry.device
        let metadata: Logger.Metadata = [
            "user": "\(device.userUUID.uuidString.lowercased())", "device": "\(device.deviceID)", "attempts": "\(report.attempts)",
        ]
        switch report.outcome {
        case .delivered:
            metrics.count(.sent)
            logger.debug("wake-up sent", metadata: metadata)
        case .tokenInvalid(let reason):
            metrics.count(.invalidToken)
            do {
                let removed = try await tokens.removeToken(delivery.token, userUUID: device.userUUID, deviceID: device.deviceID)
                logger.info(
                    "push token reported dead by FCM\(removed ? ", removed" : "; the device already replaced it")",
                    metadata: metadata.merging(["reason": "\(reason)"]) { $1 }
                )
            } catch {
                // The next wake-up to this token gets the same answer and tries again.
                logger.warning(
                    "could not remove a dead push token", metadata: metadata.merging(["error": "\(String(reflecting: error))"]) { $1 }
                )
            }
        case .failed(let error):
            metrics.count(.failed)
            logger.warning("wake-up dropped", metadata: metadata.merging(["code": "\(error.code)", "error": "\(error)"]) { $1 })
        case .interrupted:
            return false
        }
        return true
    }
}

extension Duration {
    /// Nanoseconds for `Metrics.Timer`, saturating.
    fileprivate var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
    }
}
