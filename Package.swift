// swift-tools-version:6.0
// SiteStream: event-streaming replication between business sites.
// Modules by layer (see docs/ARCHITECTURE.md): JSON and DocumentModel know nothing of files;
// EventLog knows nothing of documents; Site puts log, store and lifecycle together.
import PackageDescription

let package = Package(
    name: "SiteStream",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sitestream", targets: ["sitestream"]),
        .library(name: "SiteStreamJSON", targets: ["SiteStreamJSON"]),
        .library(name: "DocumentModel", targets: ["DocumentModel"]),
        .library(name: "EventLog", targets: ["EventLog"]),
        .library(name: "SnapshotStore", targets: ["SnapshotStore"]),
        .library(name: "Site", targets: ["Site"]),
        .library(name: "DocumentQuery", targets: ["DocumentQuery"]),
        .library(name: "SiteServer", targets: ["SiteServer"]),
        .library(name: "Streaming", targets: ["Streaming"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        // Already built for Hummingbird; named so servers can be stopped gracefully (GracefulServer).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        // Already built for Hummingbird; named for the server's own connection handlers (Connection/).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        // The consumer's HTTP client (HTTPProducerClient): NIO with pooled connections.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.21.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // The engine's one crc32 (zlib's, folded with carry-less multiplication where the CPU can).
        .target(name: "CCRC32", dependencies: ["CZlib"]),
        .target(name: "SiteStreamCRC", dependencies: ["CCRC32", "CZlib"]),
        .target(name: "SiteStreamJSON"),
        .target(name: "DocumentModel", dependencies: ["SiteStreamJSON"]),
        .target(name: "ERPFixtures", dependencies: ["SiteStreamJSON", "DocumentModel"]),
        .target(
            name: "EventLog",
            dependencies: [
                "CZlib", "SiteStreamCRC",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "SnapshotStore",
            dependencies: [
                "CZlib", "SiteStreamCRC",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Site",
            dependencies: [
                "SiteStreamJSON", "DocumentModel", "EventLog", "SnapshotStore", "ERPFixtures",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Frappe list queries (fields, filters, order_by, paging) parsed and evaluated on documents.
        .target(name: "DocumentQuery", dependencies: ["SiteStreamJSON"]),
        // HTTP: the only library module that may import Hummingbird.
        .target(
            name: "SiteServer",
            dependencies: [
                "SiteStreamJSON", "DocumentQuery", "DocumentModel", "Site", "SnapshotStore", "Streaming", "EventLog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                // Only the server turns metrics into text: the libraries below speak swift-metrics alone.
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .target(
            name: "Streaming",
            dependencies: [
                "Site", "EventLog", "DocumentModel", "SiteStreamJSON", "SnapshotStore", "CZlib", "SiteStreamCRC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                // HMAC-SHA256 signatures of offline bundles (Bundle/).
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "SiteStreamBench",
            dependencies: ["SiteStreamJSON", "DocumentModel", "EventLog", "SnapshotStore", "Site", "ERPFixtures", "CZlib", "SiteServer", "Streaming",
                           .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/Sources/SiteStreamBench"
        ),
        .executableTarget(
            name: "sitestream",
            dependencies: [
                "SiteStreamJSON", "DocumentModel", "EventLog", "SnapshotStore", "Site", "ERPFixtures", "SiteStreamBench",
                "SiteServer", "DocumentQuery",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A child process for crash tests: tests spawn it, let it write, and SIGKILL it.
        .executableTarget(
            name: "sitestream-crash-child",
            dependencies: ["EventLog", "SnapshotStore", "Site", "SiteStreamJSON", "DocumentModel", "ERPFixtures", "Streaming"],
            path: "Tests/CrashChild"
        ),
        // What every test target that SIGKILLs the crash child shares: finding it, starting it, collecting its lines.
        .target(name: "CrashChildSupport", path: "Tests/CrashChildSupport"),
        .testTarget(name: "SiteStreamJSONTests", dependencies: ["SiteStreamJSON"]),
        .testTarget(name: "SiteStreamCRCTests", dependencies: ["SiteStreamCRC", "CCRC32", "CZlib"]),
        .testTarget(name: "DocumentModelTests", dependencies: ["DocumentModel", "SiteStreamJSON", "ERPFixtures"]),
        .testTarget(name: "ERPFixturesTests", dependencies: ["ERPFixtures", "DocumentModel", "SiteStreamJSON"]),
        .testTarget(name: "EventLogTests", dependencies: ["CrashChildSupport", "EventLog", "CZlib"]),
        .testTarget(name: "SnapshotStoreTests", dependencies: ["CrashChildSupport", "SnapshotStore"]),
        .testTarget(name: "DocumentQueryTests", dependencies: ["DocumentQuery", "SiteStreamJSON"]),
        .testTarget(name: "SiteServerTests", dependencies: [
            "SiteServer", "DocumentQuery", "SiteStreamJSON", "Site", "DocumentModel", "Streaming", "EventLog", "ERPFixtures",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        ]),
        .testTarget(name: "StreamingTests", dependencies: ["CrashChildSupport", "Streaming", "Site", "SiteStreamJSON", "DocumentModel", "EventLog", "SnapshotStore", "CZlib", "ERPFixtures"]),
        // Runs the built `sitestream` binary as a user would.
        .testTarget(name: "CLITests", dependencies: ["SiteStreamJSON"]),
        .testTarget(name: "SiteTests", dependencies: ["CrashChildSupport", "Site", "SiteStreamJSON", "DocumentModel", "EventLog", "SnapshotStore"]),
    ]
)
