// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Patron",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PatronCore", targets: ["PatronCore"]),
        .library(name: "PatronSQLite", targets: ["PatronSQLite"]),
        .library(name: "PatronPostgres", targets: ["PatronPostgres"]),
        .library(name: "PatronTestKit", targets: ["PatronTestKit"]),
        .library(name: "PatronCSV", targets: ["PatronCSV"]),
        .library(name: "PatronWebhooks", targets: ["PatronWebhooks"]),
        .library(name: "PatronHTTP", targets: ["PatronHTTP"]),
        .library(name: "PatronSMS", targets: ["PatronSMS"]),
        .library(name: "PatronMail", targets: ["PatronMail"]),
        .library(name: "PatronFlows", targets: ["PatronFlows"]),
        .library(name: "PatronPush", targets: ["PatronPush"]),
        .library(name: "PatronScheduler", targets: ["PatronScheduler"]),
        .library(name: "PatronSMSStub", targets: ["PatronSMSStub"]),
        .library(name: "PatronAuth", targets: ["PatronAuth"]),
        .library(name: "PatronStoreFactory", targets: ["PatronStoreFactory"]),
        .executable(name: "patron", targets: ["patron"]),
        .executable(name: "patron-api", targets: ["patron-api"]),
        .executable(name: "patron-scheduler", targets: ["patron-scheduler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The kernel: Foundation only, no third-party package.
        .target(name: "PatronCore", path: "Core/PatronCore"),
        // What the SQL stores share: the segment compiler (with each engine's dialect) and the
        // text forms of composite columns. No engine of its own.
        .target(name: "PatronSQL", dependencies: ["PatronCore"], path: "Core/PatronSQL"),
        // The embedded store: SQLite through GRDB.
        .target(
            name: "PatronSQLite",
            dependencies: [
                "PatronCore", "PatronSQL", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Core/PatronSQLite"
        ),
        // The server store: PostgreSQL through PostgresNIO (connections on NIO's event loops,
        // waited on by the store's synchronous transactions).
        .target(
            name: "PatronPostgres",
            dependencies: [
                "PatronCore", "PatronSQL", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Core/PatronPostgres"
        ),
        // The conformance kit a connector's or a store's tests run to prove the contract.
        .target(name: "PatronTestKit", dependencies: ["PatronCore"], path: "Core/PatronTestKit"),
        // CSV in and out: the streaming reader, value parsing, shop-export mappings.
        .target(name: "PatronCSV", dependencies: ["PatronCore"], path: "Connectors/PatronCSV"),
        // Webhooks in: signature checks and payload mapping, no HTTP framework.
        .target(
            name: "PatronWebhooks", dependencies: ["PatronCore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Connectors/PatronWebhooks"),
        // libcurl for the IMAP/SMTP transport: module.modulemap + shim.h with typed setopt/getinfo wrappers.
        .systemLibrary(
            name: "CCurl", path: "Connectors/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // Mail: the MIME parser (headers, encoded words, multipart, charsets through iconv,
        // bounces and ARF reports) and the IMAP/SMTP transport over libcurl.
        .target(name: "PatronMail", dependencies: ["PatronCore", "CCurl"], path: "Connectors/PatronMail"),
        // SMS: GSM-7 / UCS-2 segments, E.164, the Twilio-shaped gateway's requests, callbacks
        // and signatures (no transport).
        .target(
            name: "PatronSMS", dependencies: ["PatronCore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Connectors/PatronSMS"),
        // Flow files (YAML, positioned errors) and Mustache templates for the campaign engine.
        .target(
            name: "PatronFlows",
            dependencies: [
                "PatronCore", .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Core/PatronFlows"),
        // The campaign runtime wired to a store and the channels, and the scheduler's services.
        .target(
            name: "PatronScheduler",
            dependencies: [
                "PatronCore", "PatronFlows", "PatronSMS", "PatronMail", "PatronChannels", "PatronPush", "PatronOps",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Apps/PatronScheduler"),
        .executableTarget(
            name: "patron-scheduler",
            dependencies: [
                "PatronCore", "PatronStoreFactory", "PatronScheduler", "PatronMail", "PatronChannels", "PatronOps",
                "PatronAuth",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Apps/patron-scheduler"),
        // Web Push: RFC 8291 encryption and RFC 8292 VAPID with swift-crypto, the channel connector.
        .target(
            name: "PatronPush",
            dependencies: ["PatronCore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Connectors/PatronPush"),
        // The stub push service: a real HTTP server that checks VAPID and decrypts, for tests and the demo.
        .target(
            name: "PatronPushStub",
            dependencies: [
                "PatronPush", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Apps/PatronPushStub"),
        // The channels the apps link, registered at start (flows, segments and the policy read them).
        .target(
            name: "PatronChannels", dependencies: ["PatronCore", "PatronMail", "PatronSMS", "PatronPush"],
            path: "Apps/PatronChannels"
        ),
        // The one place apps open a store: --db / PATRON_DB as a path, sqlite:PATH or postgres://….
        .target(
            name: "PatronStoreFactory", dependencies: ["PatronCore", "PatronSQLite", "PatronPostgres"],
            path: "Apps/PatronStoreFactory"),
        // API keys and scopes (generated, hashed with SHA-256): the API checks them, the CLI makes them.
        .target(
            name: "PatronAuth", dependencies: ["PatronCore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Apps/PatronAuth"),
        // What ops watch, shared by patron-api and patron-scheduler: swift-metrics bootstrapped to
        // Prometheus, the store's vitals as gauges, the store monitor (health, retry with
        // backoff) and the scheduler's small /metrics and /health listener.
        .target(
            name: "PatronOps",
            dependencies: [
                "PatronCore", .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Apps/PatronOps"),
        // The stub SMS gateway (Twilio-shaped), a real HTTP server for tests and the demo.
        .target(
            name: "PatronSMSStub",
            dependencies: [
                "PatronSMS", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Apps/PatronSMSStub"),
        // The HTTP API and webhook receivers (Hummingbird routes), a library so it is tested without sockets.
        .target(
            name: "PatronHTTP",
            dependencies: [
                "PatronCore", "PatronStoreFactory", "PatronWebhooks", "PatronSMS", "PatronFlows", "PatronChannels",
                "PatronPush", "PatronAuth", "PatronOps", .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Apps/PatronHTTP"),
        .executableTarget(
            name: "patron-api",
            dependencies: [
                "PatronCore", "PatronStoreFactory", "PatronHTTP", "PatronChannels", "PatronAuth",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            path: "Apps/patron-api"
        ),
        .executableTarget(
            name: "patron",
            dependencies: [
                "PatronCore", "PatronStoreFactory", "PatronCSV", "PatronAuth", "PatronSMSStub", "PatronChannels",
                "PatronPush",
                "PatronMail", "PatronFlows",
                "PatronScheduler", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Apps/patron"
        ),
        .testTarget(name: "PatronSMSTests", dependencies: ["PatronSMS", "PatronCore"], path: "Tests/PatronSMSTests"),
        .testTarget(
            name: "PatronPushTests",
            dependencies: [
                "PatronPush", "PatronPushStub", "PatronCore", "PatronTestKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/PatronPushTests"),
        .testTarget(
            name: "PatronFlowsTests",
            dependencies: [
                "PatronFlows", "PatronCore", "PatronChannels", "PatronSMS", .product(name: "Yams", package: "Yams"),
            ],
            path: "Tests/PatronFlowsTests"),
        .testTarget(
            name: "PatronSchedulerTests",
            dependencies: [
                "PatronCore", "PatronSQLite", "PatronPostgres", "PatronFlows", "PatronScheduler", "PatronSMS",
                "PatronHTTP",
                "PatronSMSStub", "PatronAuth", "PatronChannels", "PatronPush", "PatronPushStub",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"), .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/PatronSchedulerTests"),
        .testTarget(
            name: "PatronMailTests",
            dependencies: ["PatronMail", "PatronCore", "PatronSQL", "PatronSQLite", "PatronTestKit", "PatronChannels"],
            path: "Tests/PatronMailTests"),
        .testTarget(
            name: "PatronCoreTests",
            dependencies: ["PatronCore", "PatronTestKit", "PatronChannels", "PatronSMS"],
            path: "Tests/PatronCoreTests"
        ),
        .testTarget(
            name: "PatronPostgresTests",
            dependencies: [
                "PatronCore", "PatronPostgres", "PatronTestKit", "PatronChannels",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/PatronPostgresTests"
        ),
        .testTarget(
            name: "PatronSQLiteTests",
            dependencies: ["PatronCore", "PatronSQL", "PatronSQLite", "PatronTestKit", "PatronChannels"],
            path: "Tests/PatronSQLiteTests"
        ),
        .testTarget(
            name: "PatronCSVTests",
            dependencies: ["PatronCore", "PatronCSV", "PatronTestKit", "PatronChannels"],
            path: "Tests/PatronCSVTests"
        ),
        .testTarget(
            name: "PatronWebhooksTests",
            dependencies: [
                "PatronCore", "PatronWebhooks", "PatronTestKit", "PatronChannels",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/PatronWebhooksTests"
        ),
        .testTarget(
            name: "PatronHTTPTests",
            dependencies: [
                "PatronCore", "PatronSQLite", "PatronPostgres", "PatronHTTP", "PatronAuth", "PatronWebhooks",
                "PatronSMS",
                "PatronTestKit", "PatronChannels", "PatronPush", "PatronOps",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/PatronHTTPTests"
        ),
        .testTarget(
            name: "PatronCLITests",
            dependencies: ["PatronCore", "PatronSQLite", "PatronPostgres", "PatronWebhooks", "PatronMail"],
            path: "Tests/PatronCLITests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
