import HTTPTypes
import NovyseService
import NovyseSocketIO
import Testing

@testable import FanoutService

/// Reading the socket limits from the environment.
@Suite("FanoutConfiguration")
struct FanoutConfigurationTests {
    @Test func theSocketLimitsHaveSafeDefaults() throws {
        let configuration = try FanoutConfiguration(environment: EnvironmentReader([:]))
        let socketIO = configuration.socketIO
        #expect(socketIO.connectTimeout == .seconds(10), "the deadline to authenticate, not the reference's 45 s")
        #expect(socketIO.maxUnauthenticatedSessions == 10_000 && socketIO.maxUnauthenticatedSessionsPerAddress == 50)
        #expect(socketIO.maxQueuedBytes == 1_048_576 && socketIO.maxQueuedPackets == 1024)
        #expect(
            socketIO.expiryNotice
                == SocketIONotice(
                    event: "server:disconnect", code: "AUTH_TOKEN_EXPIRED", message: AuthError.tokenExpired.message
                ))
        #expect(configuration.maxSocketsPerUser == 16)
        #expect(configuration.clientAddress.header == nil)
    }

    @Test func readsEveryKey() throws {
        let configuration = try FanoutConfiguration(
            environment: EnvironmentReader([
                "NOVYSE_FANOUT_CONNECT_TIMEOUT_MS": "2500", "NOVYSE_FANOUT_MAX_UNAUTHENTICATED": "100",
                "NOVYSE_FANOUT_MAX_UNAUTHENTICATED_PER_ADDRESS": "3", "NOVYSE_FANOUT_QUEUE_BYTES": "65536",
                "NOVYSE_FANOUT_MAX_SOCKETS_PER_USER": "4", "NOVYSE_CLIENT_ADDRESS_HEADER": "X-Forwarded-For",
            ]))
        #expect(configuration.socketIO.connectTimeout == .milliseconds(2500))
        #expect(configuration.socketIO.maxUnauthenticatedSessions == 100)
        #expect(configuration.socketIO.maxUnauthenticatedSessionsPerAddress == 3)
        #expect(configuration.socketIO.maxQueuedBytes == 65536)
        #expect(configuration.maxSocketsPerUser == 4)
        #expect(configuration.clientAddress.header?.canonicalName == "x-forwarded-for")
    }

    @Test(arguments: [
        "NOVYSE_FANOUT_CONNECT_TIMEOUT_MS", "NOVYSE_FANOUT_MAX_UNAUTHENTICATED", "NOVYSE_FANOUT_MAX_UNAUTHENTICATED_PER_ADDRESS",
        "NOVYSE_FANOUT_QUEUE_BYTES", "NOVYSE_FANOUT_MAX_SOCKETS_PER_USER",
    ])
    func aZeroLimitIsRefused(key: String) {
        #expect(throws: ConfigurationError.self) { try FanoutConfiguration(environment: EnvironmentReader([key: "0"])) }
    }
}
