// swift-tools-version:6.1
// Rill: one static daemon for a Raspberry Pi media appliance. See docs/ARCHITECTURE.md for the targets.
import PackageDescription

/// Settings every Rill target compiles with: Swift 6 mode is the package default; these keep imports honest.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// A system-library target: a module map and a shim header over a C library found with pkg-config.
func systemLibrary(_ name: String, pkgConfig: String, apt: String) -> Target {
    .systemLibrary(name: name, pkgConfig: pkgConfig, providers: [.apt([apt])])
}

let package = Package(
    name: "rill",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rill", targets: ["rill"]),
        // For the peer wire fuzz target (ci/fuzz builds it as a package depending on this library).
        .library(name: "Torrent", targets: ["Torrent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.3.0"),
        // 4.x: 3.x imports Foundation (and so ICU) on Linux.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // No traits: the default `FullFoundation` trait imports Foundation and so ICU (~45 MB static).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0", traits: []),
        // No traits: the default `SubprocessFoundation` trait imports Foundation.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: []),
    ],
    targets: [
        systemLibrary("CSQLite", pkgConfig: "sqlite3", apt: "libsqlite3-dev"),
        systemLibrary("CFuse3", pkgConfig: "fuse3", apt: "libfuse3-dev"),
        systemLibrary("CCurl", pkgConfig: "libcurl", apt: "libcurl4-openssl-dev"),
        systemLibrary("CGpiod", pkgConfig: "libgpiod", apt: "libgpiod-dev"),
        // libc calls behind _GNU_SOURCE (fallocate); nothing to link.
        .systemLibrary(name: "CLinux"),

        .target(
            name: "Config",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Bencode",
            swiftSettings: strictSettings
        ),
        .target(
            name: "Store",
            dependencies: [
                "CSQLite",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Torrent",
            dependencies: [
                "Bencode", "CCurl", "CLinux", "Store",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Netguard",
            dependencies: [
                "Torrent",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Stream",
            dependencies: [
                "Torrent",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Transcode",
            dependencies: [
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Device",
            dependencies: [
                "CCurl", "CGpiod", "CLinux", "Store",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Web",
            dependencies: [
                "Config", "Store", "Device", "Stream", "Torrent", "Netguard", "Transcode",
                .product(name: "Hummingbird", package: "hummingbird"),
                // scrypt for passwords (FoundationEssentials only, like Crypto 4); SHA-256 for session ids.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // mkfs.ext4, mount, reboot: system tools the setup wizard and the system page run.
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "rill",
            dependencies: [
                "Config", "Store", "Device", "Stream", "Web", "Torrent", "Netguard", "Transcode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        .target(
            name: "TestSupport",
            dependencies: ["CCurl", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        // A watchdog device served over FUSE for the watchdog tests (its own module: CFuse3's headers would
        // otherwise become a second defining module of libc types in TestSupport).
        .target(
            name: "WatchdogFake",
            dependencies: ["CFuse3"],
            path: "Tests/WatchdogFake",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ConfigTests",
            dependencies: ["Config", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StreamTests",
            dependencies: ["Stream", "Torrent", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "BencodeTests", dependencies: ["Bencode"], swiftSettings: strictSettings),
        .testTarget(
            name: "TorrentTests",
            dependencies: [
                "Torrent", "Bencode", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NetguardTests",
            dependencies: [
                "Netguard", "Torrent", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TranscodeTests",
            dependencies: ["Transcode", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DeviceTests",
            dependencies: [
                "Device", "Store", "TestSupport", "WatchdogFake",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "Web", "Config", "Store", "Device", "Torrent", "Bencode", "TestSupport", "Transcode",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SystemLibraryTests",
            dependencies: ["CSQLite", "CFuse3", "CCurl", "CGpiod", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["CCurl", "TestSupport", "WatchdogFake", "Bencode", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
    ]
)
