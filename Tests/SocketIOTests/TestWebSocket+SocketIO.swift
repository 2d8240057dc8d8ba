import NovyseCore
import NovyseSocketIO
import TestSupport

extension TestWebSocket {
    /// Opens a WebSocket session and connects the default namespace with `token`, answering pings that come
    /// first (the heartbeat starts at the handshake).
    static func connectSocketIO(port: Int, token: String) async throws -> TestWebSocket {
        let socket = try await connect(port: port, path: "/socket.io/?EIO=4&transport=websocket")
        guard try await socket.next().first == "0" else { throw Closed() }
        socket.send("40" + (["token": .string(token)] as JSONValue).jsonText)
        guard try await socket.nextAnsweringPings().hasPrefix("40") else { throw Closed() }
        return socket
    }

    /// The next message that is not a ping; pings are answered on the way.
    func nextAnsweringPings(timeout: Duration = TestDeadline.generous) async throws -> String {
        while true {
            let message = try await next(timeout: timeout)
            guard message == "2" else { return message }
            send("3")
        }
    }
}
