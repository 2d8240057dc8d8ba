import Foundation
import HummingbirdWSClient
import Logging
import NIOConcurrencyHelpers
import NIOWebSocket

/// One Socket.IO client over WebSocket for `novysectl bench fanout`, as lean as a client can be so that
/// ten thousand of them fit beside the server on one machine: it completes the CONNECT with a token,
/// answers pings, and hands every event packet (`42[…]`) to `onEvent` with its arrival time. It keeps
/// nothing else, so the figures measure the server, not the client.
final class BenchSocket: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private struct Handshake {
        var result: Result<Void, Failure>?
        var waiter: CheckedContinuation<Void, any Error>?
    }

    private let handshake = NIOLockedValueBox(Handshake())
    private let outgoing: AsyncStream<String>.Continuation
    private let task: NIOLockedValueBox<Task<Void, Never>?> = NIOLockedValueBox(nil)

    private init(outgoing: AsyncStream<String>.Continuation) {
        self.outgoing = outgoing
    }

    /// Connects to `ws://127.0.0.1:<port>/socket.io/` and returns once the server accepted the CONNECT.
    static func connect(
        port: Int, token: String, onEvent: @escaping @Sendable (Substring, ContinuousClock.Instant) -> Void
    ) async throws -> BenchSocket {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let socket = BenchSocket(outgoing: continuation)
        let connectPacket = #"40{"token":"\#(token)"}"#
        let url = "ws://127.0.0.1:\(port)/socket.io/?EIO=4&transport=websocket"
        let task = Task {
            _ = try? await WebSocketClient.connect(
                url: url, configuration: .init(maxFrameSize: 1 << 20, autoPing: .disabled), logger: Self.logger
            ) { inbound, outbound, _ in
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await text in stream { try? await outbound.write(.text(text)) }
                        try? await outbound.close(.normalClosure, reason: nil)
                    }
                    do {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message else { continue }
                            if text.hasPrefix("42") {
                                onEvent(text.dropFirst(2), .now)
                            } else if text == "2" {
                                continuation.yield("3")
                            } else if text.hasPrefix("0") {
                                continuation.yield(connectPacket)
                            } else if text.hasPrefix("40") {
                                socket.finishHandshake(.success(()))
                            } else if text.hasPrefix("44") {
                                socket.finishHandshake(.failure(Failure(description: "CONNECT refused: \(text)")))
                            }
                        }
                    } catch {}
                    continuation.finish()
                    await group.waitForAll()
                }
            }
            socket.finishHandshake(.failure(Failure(description: "connection closed")))
            continuation.finish()
        }
        socket.task.withLockedValue { $0 = task }
        try await socket.waitForHandshake()
        return socket
    }

    /// Closes the connection.
    func close() { outgoing.finish() }

    private static let logger: Logger = {
        var logger = Logger(label: "bench.socket")
        logger.logLevel = .critical
        return logger
    }()

    private func waitForHandshake() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let result: Result<Void, Failure>? = handshake.withLockedValue { state in
                if state.result == nil { state.waiter = continuation }
                return state.result
            }
            if let result { continuation.resume(with: result.mapError { $0 }) }
        }
    }

    /// Records the first outcome of the handshake and wakes the waiter; later outcomes are ignored.
    private func finishHandshake(_ result: Result<Void, Failure>) {
        let waiter: CheckedContinuation<Void, any Error>? = handshake.withLockedValue { state in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result.mapError { $0 })
    }

    deinit { task.withLockedValue { $0?.cancel() } }
}
