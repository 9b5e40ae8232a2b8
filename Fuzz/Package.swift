// swift-tools-version:6.0
import PackageDescription

/// libFuzzer harnesses for spoold's parsers, a package of their own so that
/// the main build never links libFuzzer's main. Built and run by
/// scripts/fuzz with `-sanitize=fuzzer,address`.
let package = Package(
    name: "SpoolFuzz",
    dependencies: [
        .package(path: "Spool"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .target(name: "LibFuzzerDriver"),
        .executableTarget(
            name: "FuzzCommandParser",
            dependencies: [
                "LibFuzzerDriver",
                .product(name: "SpoolProtocol", package: "Spool"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "FuzzDBusMessage",
            dependencies: ["LibFuzzerDriver", .product(name: "DBus", package: "Spool")]
        ),
        .executableTarget(
            name: "FuzzQueueFile",
            dependencies: ["LibFuzzerDriver", .product(name: "SpoolQueueFiles", package: "Spool")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
