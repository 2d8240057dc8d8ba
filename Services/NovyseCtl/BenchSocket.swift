import NovyseCore
import NovyseSocketIOClient
import NovyseSocketIOCodec

/// One Socket.IO client for `novysectl bench fanout`, on the shared `SocketIOClient`: it completes the
/// CONNECT with a token, answers pings, and hands every event packet to `onEvent` with its arrival time. It
/// keeps nothing else, so that ten thousand fit beside the server on one machine and the figures measure the
/// server, not the client.
final class BenchSocket: Sendable {
    private let client: SocketIOClient
    private let reader: Task<Void, Never>

    private init(client: SocketIOClient, reader: Task<Void, Never>) {
        self.client = client
        self.reader = reader
    }

    /// Connects to `ws://127.0.0.1:<port>/socket.io/` and returns once the server accepted the CONNECT.
    static func connect(
        port: Int, token: String, onEvent: @escaping @Sendable (SocketIOPacket, ContinuousClock.Instant) -> Void
    ) async throws -> BenchSocket {
        let url = WebSocketURL(host: "127.0.0.1", port: port, target: "/socket.io/?EIO=4&transport=websocket")
        let client = try await SocketIOClient.connect(url: url, auth: .object(["token": .string(token)]), maxFrameSize: 1 << 20)
        let reader = Task {
            for await packet in client.packets where packet.kind == .event { onEvent(packet, .now) }
        }
        return BenchSocket(client: client, reader: reader)
    }

    /// Closes the connection.
    func close() { client.close() }

    deinit {
        reader.cancel()
        client.drop()
    }
}
