// swift-tools-version:6.1
import PackageDescription

/// One settings list for every target, so the whole package is checked the same way.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "novyse-sync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "novyse-command", targets: ["CommandService"]),
        .executable(name: "novyse-projector", targets: ["ProjectorWorker"]),
        .executable(name: "novyse-query", targets: ["QueryService"]),
        .executable(name: "novyse-fanout", targets: ["FanoutService"]),
        .executable(name: "novysectl", targets: ["NovyseCtl"]),
        .library(name: "NovyseCore", targets: ["NovyseCore"]),
        .library(name: "NovyseClient", targets: ["NovyseClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.70.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.27.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.0.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.2.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.21.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
    ],
    targets: [
        // MARK: Shared libraries
        .target(
            name: "NovyseCore",
            path: "Shared/NovyseCore",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CHiredis",
            path: "Shared/CHiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .target(
            name: "NovyseRedis",
            dependencies: [
                "CHiredis",
                // The keyspace maps a StreamID to its pipeline partition; scripts are named by SHA1.
                "NovyseCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/NovyseRedis",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NovyseStorage",
            dependencies: [
                "NovyseCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/NovyseStorage",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NovyseService",
            dependencies: [
                "NovyseCore",
                "NovyseStorage",
                "NovyseRedis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/NovyseService",
            swiftSettings: swiftSettings
        ),
        // Engine.IO / Socket.IO packets as text, shared by the server and every client; no I/O.
        .target(
            name: "NovyseSocketIOCodec",
            dependencies: ["NovyseCore"],
            path: "Shared/NovyseSocketIOCodec",
            swiftSettings: swiftSettings
        ),
        // The one WebSocket / Socket.IO client (product client, bench, tests), on SwiftNIO and the codec.
        .target(
            name: "NovyseSocketIOClient",
            dependencies: [
                "NovyseCore",
                "NovyseSocketIOCodec",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Shared/NovyseSocketIOClient",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NovyseSocketIO",
            dependencies: [
                "NovyseCore",
                "NovyseSocketIOCodec",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Shared/NovyseSocketIO",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NovyseFCM",
            dependencies: [
                "NovyseCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Shared/NovyseFCM",
            swiftSettings: swiftSettings
        ),
        // The reference sync client: a GRDB mirror, the update cycle, the Socket.IO connection, mutations.
        .target(
            name: "NovyseClient",
            dependencies: [
                "NovyseCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                "NovyseSocketIOClient",
                "NovyseSocketIOCodec",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Shared/NovyseClient",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NovyseDevServers",
            path: "Shared/NovyseDevServers",
            swiftSettings: swiftSettings
        ),

        // MARK: Services
        .executableTarget(
            name: "CommandService",
            dependencies: [
                "NovyseService", "NovyseStorage", "NovyseCore", "NovyseRedis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Command",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ProjectorWorker",
            dependencies: [
                "NovyseService", "NovyseStorage", "NovyseCore", "NovyseRedis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Projector",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "QueryService",
            dependencies: [
                "NovyseService", "NovyseStorage", "NovyseCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Services/Query",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FanoutService",
            dependencies: [
                "NovyseService", "NovyseStorage", "NovyseCore", "NovyseRedis", "NovyseSocketIO", "NovyseFCM",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Fanout",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "NovyseCtl",
            dependencies: [
                "NovyseClient",
                "NovyseService",
                "NovyseStorage",
                "NovyseDevServers",
                "NovyseCore",
                "NovyseRedis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                // bench fanout: thousands of Socket.IO clients over WebSocket.
                "NovyseSocketIOClient",
                "NovyseSocketIOCodec",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Services/NovyseCtl",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: [
                "NovyseDevServers",
                "NovyseCore",
                "NovyseStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                // TestWebSocket: the shared WebSocket client with an inbox read under deadlines.
                "NovyseSocketIOClient",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                // TestClientProtocol+APIAnswer: in-process routers answer as the HTTP harnesses do.
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        tests(
            "UnitTests",
            [
                "NovyseCore", "NovyseService", "NovyseStorage",
                // SplitMix64: seeded randomness (the backoff's jitter).
                "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
        tests("NovyseRedisTests", ["NovyseRedis", "NovyseCore", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        tests(
            "NovyseStorageTests",
            [
                "NovyseStorage", "NovyseCore", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        tests(
            "CommandServiceTests",
            [
                "CommandService", "NovyseStorage", "NovyseCore", "NovyseRedis", "NovyseService", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The command router in process: the OpenAPI tests (CommandOpenAPIDocument), InProcessCommand.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        tests(
            "ProjectorTests",
            [
                "NovyseStorage", "NovyseCore", "NovyseRedis", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        tests(
            "QueryServiceTests",
            [
                "QueryService", "NovyseStorage", "NovyseCore", "NovyseRedis", "NovyseService", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                // QueryFixture drives the query router in process.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        tests("SocketIOCodecTests", ["NovyseSocketIOCodec", "NovyseCore"]),
        tests(
            "SocketIOTests", exclude: ["Interop"],
            [
                "NovyseSocketIO", "NovyseSocketIOCodec", "NovyseCore", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        tests(
            "FanoutTests",
            [
                "FanoutService", "NovyseFCM", "NovyseSocketIO", "NovyseSocketIOCodec", "NovyseStorage", "NovyseCore", "NovyseRedis",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Wake-up tests: the fake OAuth/FCM server verifies RS256 assertions; senders run in a ServiceGroup.
                "NovyseService",
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        tests(
            "ClientTests",
            [
                "NovyseClient", "NovyseCore", "NovyseDevServers", "NovyseStorage", "NovyseRedis", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SocketRefusalTests: a raw server that upgrades and refuses in one write.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        tests(
            "ServiceTests",
            [
                "NovyseService", "NovyseStorage", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
    ]
)

/// A test target under `Tests/<name>` with the package's settings, so each of them states only what differs:
/// its dependencies.
func tests(_ name: String, exclude: [String] = [], _ dependencies: [Target.Dependency]) -> Target {
    .testTarget(name: name, dependencies: dependencies, path: "Tests/\(name)", exclude: exclude, swiftSettings: swiftSettings)
}
