// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Patron",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PatronCore", targets: ["PatronCore"]),
        .library(name: "PatronSQLite", targets: ["PatronSQLite"]),
        .library(name: "PatronTestKit", targets: ["PatronTestKit"]),
        .library(name: "PatronCSV", targets: ["PatronCSV"]),
        .library(name: "PatronWebhooks", targets: ["PatronWebhooks"]),
        .library(name: "PatronHTTP", targets: ["PatronHTTP"]),
        .library(name: "PatronSMS", targets: ["PatronSMS"]),
        .library(name: "PatronMail", targets: ["PatronMail"]),
        .executable(name: "patron", targets: ["patron"]),
        .executable(name: "patron-api", targets: ["patron-api"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
    ],
    targets: [
        // The kernel: Foundation only, no third-party package.
        .target(name: "PatronCore", path: "Core/PatronCore"),
        // The embedded store: SQLite through GRDB.
        .target(
            name: "PatronSQLite",
            dependencies: [
                "PatronCore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            path: "Core/PatronSQLite"
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
        // The HTTP API and webhook receivers (Hummingbird routes), a library so it is tested without sockets.
        .target(
            name: "PatronHTTP",
            dependencies: [
                "PatronCore", "PatronSQLite", "PatronWebhooks", "PatronSMS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Apps/PatronHTTP"),
        .executableTarget(
            name: "patron-api",
            dependencies: [
                "PatronCore", "PatronSQLite", "PatronHTTP", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            path: "Apps/patron-api"
        ),
        .executableTarget(
            name: "patron",
            dependencies: [
                "PatronCore", "PatronSQLite", "PatronCSV", "PatronHTTP", "PatronMail",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Apps/patron"
        ),
        .testTarget(name: "PatronSMSTests", dependencies: ["PatronSMS"], path: "Tests/PatronSMSTests"),
        .testTarget(
            name: "PatronMailTests", dependencies: ["PatronMail", "PatronCore", "PatronSQLite", "PatronTestKit"],
            path: "Tests/PatronMailTests"),
        .testTarget(
            name: "PatronCoreTests",
            dependencies: ["PatronCore", "PatronTestKit"],
            path: "Tests/PatronCoreTests"
        ),
        .testTarget(
            name: "PatronSQLiteTests",
            dependencies: ["PatronCore", "PatronSQLite", "PatronTestKit"],
            path: "Tests/PatronSQLiteTests"
        ),
        .testTarget(
            name: "PatronCSVTests",
            dependencies: ["PatronCore", "PatronCSV", "PatronTestKit"],
            path: "Tests/PatronCSVTests"
        ),
        .testTarget(
            name: "PatronWebhooksTests",
            dependencies: ["PatronCore", "PatronWebhooks", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/PatronWebhooksTests"
        ),
        .testTarget(
            name: "PatronHTTPTests",
            dependencies: [
                "PatronCore", "PatronSQLite", "PatronHTTP", "PatronWebhooks", "PatronSMS", "PatronTestKit",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/PatronHTTPTests"
        ),
        .testTarget(
            name: "PatronCLITests",
            dependencies: ["PatronCore", "PatronSQLite", "PatronWebhooks", "PatronMail"],
            path: "Tests/PatronCLITests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
