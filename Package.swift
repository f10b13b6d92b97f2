// swift-tools-version:6.0
import PackageDescription

/// Swift settings of the standalone runc shim: no implicitly imported (and so linked) runtime libraries.
let leanShim: [SwiftSetting] = [
    .unsafeFlags([
        "-Xfrontend", "-disable-implicit-concurrency-module-import",
        "-Xfrontend", "-disable-implicit-string-processing-module-import",
    ]),
]

let package = Package(
    name: "Gantry",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gantry", targets: ["gantry"]),
        .executable(name: "gantry-bench", targets: ["gantry-bench"]),
        .executable(name: "runc-shim", targets: ["runc-shim"]),
        .library(name: "GantryAPI", targets: ["GantryAPI"]),
        .library(name: "GantryClient", targets: ["GantryClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "GantryAPI",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "GantryStore",
            dependencies: ["GantryAPI"]
        ),
        // Prometheus metrics with Kubernetes' names (swift-metrics' API, swift-prometheus' registry and text format).
        .target(
            name: "GantryMetrics",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The web dashboard's HTML, CSS and JavaScript, embedded in the binary.
        .target(
            name: "GantryDashboard",
            resources: [
                .embedInCode("Assets/index.html"), .embedInCode("Assets/app.js"),
                .embedInCode("Assets/app.css"), .embedInCode("Assets/favicon.svg"),
            ]
        ),
        .target(
            name: "GantryStoreSQLite",
            dependencies: [
                "GantryStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The store on etcd v3 over gRPC; Generated/ is protoc-gen-swift's output for Protos/etcd (committed).
        .target(
            name: "GantryStoreEtcd",
            dependencies: [
                "GantryStore", "GantryAPI",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "GantryAPIServer",
            dependencies: [
                "GantryAPI", "GantryStore", "GantryClient", "GantryAuth", "GantryMetrics", "GantryDashboard",
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "GantryClient",
            dependencies: [
                "GantryAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "GantryCommands",
            dependencies: [
                "GantryMetrics",
                "GantryDNS",
                "GantryProxy",
                "GantryAPI", "GantryClient", "GantryStore", "GantryStoreSQLite", "GantryStoreEtcd", "GantryAPIServer", "GantryAgent",
                "GantryRuntime", "GantryControllers", "GantryScheduler", "GantryAuth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "gantry",
            dependencies: ["GantryCommands", "GantryRuntimeRunc", "GantryImageOCI", "GantryNetworkCNI", "RuncShimCore"]
        ),
        // The per-container supervisor on its own: Glibc and the standard library only (no Foundation), so each
        // running container costs little memory. `gantry runc-shim` runs the same code (RuncShimCore) as the fallback.
        // Not importing _Concurrency and _StringProcessing implicitly keeps them and libdispatch out of the process:
        // about 220 KiB less private memory per container.
        .executableTarget(name: "runc-shim", dependencies: ["RuncShimCore"], swiftSettings: leanShim),
        .target(name: "RuncShimCore", swiftSettings: leanShim),
        .executableTarget(
            name: "gantry-bench",
            dependencies: [
                "GantryMetrics",
                "GantryAPI", "GantryClient", "GantryStore", "GantryStoreSQLite", "GantryStoreEtcd", "GantryAPIServer", "GantryControllers",
                "GantryScheduler", "GantryRuntime", "GantryAuth", "CMallocStats", "GantryCommands",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "GantryControllers",
            dependencies: [
                "GantryMetrics",
                "GantryAPI", "GantryClient", "GantryScheduler",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "GantryScheduler", dependencies: ["GantryAPI"]),
        .target(
            name: "GantryProxy",
            dependencies: [
                "GantryAPI", "GantryClient", "GantryRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "GantryRuntime", dependencies: ["GantryAPI"]),
        .target(name: "GantryRuntimeRunc", dependencies: ["GantryRuntime", "RuncShimCore"]),
        .target(name: "GantryNetworkCNI", dependencies: ["GantryRuntime"]),
        .systemLibrary(name: "CMallocStats"),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .target(
            name: "GantryImageOCI",
            dependencies: [
                "GantryRuntime", "CArchive",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "GantryAgent",
            dependencies: [
                "GantryMetrics",
                "GantryAPI", "GantryClient", "GantryRuntime", "GantryAuth",
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "GantryDNS",
            dependencies: [
                "GantryAPI", "GantryClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "GantryTestSupport",
            dependencies: ["GantryAPI", "GantryStore", "GantryRuntime", "GantryAPIServer", "GantryClient"]
        ),
        .testTarget(
            name: "GantryAgentTests",
            dependencies: [
                "GantryAgent", "GantryTestSupport", "GantryAPIServer", "GantryStore", "GantryClient",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "GantryCommandsTests",
            dependencies: [
                "GantryCommands", "GantryClient", "GantryAPI", "GantryProxy",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The cluster PKI, join tokens and (to come) authenticators and authorizers: pure where it can be.
        .target(
            name: "GantryAuth",
            dependencies: [
                "GantryAPI",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .testTarget(
            name: "GantryAuthTests",
            dependencies: [
                "GantryAuth", "GantryAPI", "GantryTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(name: "GantrySchedulerTests", dependencies: ["GantryScheduler", "GantryAPI"]),
        .testTarget(name: "GantryProxyTests", dependencies: ["GantryProxy", "GantryAPI"]),
        .testTarget(name: "GantryDNSTests", dependencies: ["GantryDNS", "GantryAPI", "GantryTestSupport"]),
        .testTarget(
            name: "GantryControllersTests",
            dependencies: ["GantryControllers", "GantryScheduler", "GantryAPIServer", "GantryStore", "GantryClient", "GantryTestSupport"]
        ),
        .testTarget(name: "GantryRuntimeRuncTests", dependencies: ["GantryRuntimeRunc", "RuncShimCore", "GantryTestSupport"]),
        .testTarget(name: "RuncShimCoreTests", dependencies: ["RuncShimCore", "GantryRuntime"]),
        .testTarget(name: "GantryRuntimeTests", dependencies: ["GantryRuntime", "GantryAPI"]),
        .testTarget(name: "GantryImageOCITests", dependencies: ["GantryImageOCI", "GantryRuntime", "GantryTestSupport"]),
        .testTarget(name: "GantryNetworkCNITests", dependencies: ["GantryNetworkCNI", "GantryTestSupport"]),
        .testTarget(name: "GantryAPITests", dependencies: ["GantryAPI", "GantryTestSupport"]),
        .testTarget(
            name: "GantryStoreTests",
            dependencies: ["GantryStore", "GantryStoreSQLite", "GantryStoreEtcd", "GantryTestSupport",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
        .testTarget(
            name: "GantryAPIServerTests",
            dependencies: [
                "GantryAPIServer", "GantryStore", "GantryStoreEtcd", "GantryTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "GantryIntegrationTests",
            dependencies: [
                "GantryAPI", "GantryAuth", "GantryClient", "GantryTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ]
)
