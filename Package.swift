// swift-tools-version:6.0
import PackageDescription

/// spoold is linked with lld, the toolchain's linker, for three things that
/// make its start cheap (see README, Footprint): relative relocations packed
/// (DT_RELR, glibc 2.36+); the functions it runs at start, then those of
/// the hot path, laid out together in .text (spoold.order, recorded by
/// scripts/order-file; it orders functions only where each has a section of
/// its own, as the .deb's build asks with -function-sections), so that the
/// kernel maps less of the binary (the compiler's private functions, which
/// no symbol names, gathered apart by Sources/spoold/link/private-functions.ld
/// for the same reason); and segments aligned to 64 KiB, so that
/// the kernel, which maps whole 64 KiB windows (and whole large folios of
/// the page cache) around a fault, finds them aligned with the file's. The static standard library's link
/// arguments export every symbol of the executable (`-export-dynamic`);
/// nothing loads spoold as a library, so `--no-export-dynamic` takes that
/// back: 12,790 symbols fewer in the dynamic symbol table, and the 5,565
/// relocations that pointed at them resolved at link time instead of by
/// symbol lookups at every start. The Swift runtime's C++ library is linked
/// from its static archive (the `-lstdc++` of the Swift link finds the
/// linker script in Sources/spoold/link first): only the parts the runtime
/// uses are in spoold, and no libstdc++.so is mapped, relocated and
/// initialized at every start (about 1 MB of RSS and 0.3-0.7 ms).
let spooldLinkerSettings: [LinkerSetting] = [
    .unsafeFlags([
        "-use-ld=lld",
        "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
        "-Xlinker", "-z", "-Xlinker", "max-page-size=65536",
        "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/spoold/spoold.order",
        "-Xlinker", "--no-warn-symbol-ordering",
        "-Xlinker", "--script=\(Context.packageDirectory)/Sources/spoold/link/private-functions.ld",
        "-Xlinker", "--no-export-dynamic",
        "-L\(Context.packageDirectory)/Sources/spoold/link",
    ])
]

let package = Package(
    name: "Spool",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "spoold", targets: ["spoold"]),
        .executable(name: "spoolctl", targets: ["spoolctl"]),
        .library(name: "SpoolClient", targets: ["SpoolClient"]),
        .library(name: "SpoolControlAPI", targets: ["SpoolControlAPI"]),
        .library(name: "SpoolProtocol", targets: ["SpoolProtocol"]),
        .library(name: "SpoolCore", targets: ["SpoolCore"]),
        .library(name: "SpoolEngineHost", targets: ["SpoolEngineHost"]),
        .library(name: "SpoolServer", targets: ["SpoolServer"]),
        .library(name: "SpoolStore", targets: ["SpoolStore"]),
        .library(name: "SpoolCluster", targets: ["SpoolCluster"]),
        .library(name: "Systemd", targets: ["Systemd"]),
        .library(name: "DBus", targets: ["DBus"]),
        .library(name: "SpoolControl", targets: ["SpoolControl"]),
        .library(name: "SpoolPrimitives", targets: ["SpoolPrimitives"]),
        .library(name: "DurationConversions", targets: ["DurationConversions"]),
        .library(name: "ProcessSupervisor", targets: ["ProcessSupervisor"]),
        .library(name: "SpoolQueueFiles", targets: ["SpoolQueueFiles"]),
        .library(name: "SpoolPool", targets: ["SpoolPool"]),
        .library(name: "SpoolMetrics", targets: ["SpoolMetrics"]),
        .library(name: "SpoolHTTP", targets: ["SpoolHTTP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .target(name: "SpoolPrimitives"),
        .target(name: "DurationConversions"),
        .target(
            name: "SpoolProtocol",
            dependencies: ["SpoolPrimitives", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "SpoolCore",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "SpoolEngineHost",
            dependencies: [
                "CMalloc",
                "SpoolProtocol",
                "SpoolCore",
                "DurationConversions",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "CMalloc"),
        .target(name: "CDynamicLibrary", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CLibPQ", dependencies: ["CDynamicLibrary"]),
        .target(
            name: "SpoolCluster",
            dependencies: [
                "CLibPQ",
                "SpoolEngineHost",
                "SpoolProtocol",
                "SpoolCore",
                "DurationConversions",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SpoolServer",
            dependencies: [
                "SpoolEngineHost",
                "SpoolProtocol",
                "SpoolCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "CSQLite", dependencies: ["CDynamicLibrary"]),
        .target(name: "CCRC32C"),
        .target(
            name: "SpoolStore",
            dependencies: [
                "SpoolCore",
                "CSQLite",
                "CCRC32C",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "spoold",
            dependencies: [
                "SpoolCluster",
                "SpoolEngineHost",
                "SpoolServer",
                "SpoolHTTP",
                "SpoolCore",
                "SpoolStore",
                "SpoolControl",
                "SpoolPool",
                "SpoolSandbox",
                "SpoolQueueFiles",
                "DurationConversions",
                "DBus",
                "Systemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            exclude: ["spoold.order", "link"],
            linkerSettings: spooldLinkerSettings
        ),
        // libseccomp's headers come with libseccomp-dev (scripts/install-deps).
        .target(name: "CSeccomp", dependencies: ["CDynamicLibrary"]),
        .target(
            name: "SpoolSandbox",
            dependencies: ["CSeccomp", "CLandlock", "ProcessSupervisor", "SpoolQueueFiles"]
        ),
        .target(name: "CLandlock"),
        .target(name: "CSystemd"),
        .target(
            name: "Systemd",
            dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")]
        ),
        // libdbus is linked from its static archive, not libdbus-1.so: the
        // shared library loads libsystemd, and with it six more libraries,
        // at every start, for the two functions of it libdbus calls (which
        // CSystemd has). Its headers come through CDBus's and CDBusArch's
        // include directories (links to libdbus-1-dev's), not pkg-config,
        // whose -L/usr/lib/x86_64-linux-gnu would come first on the link
        // line and find the shared library.
        .target(name: "CDBusArch"),
        .target(name: "CDBus", dependencies: ["CDBusArch", "CSystemd"]),
        .target(
            name: "DBus",
            dependencies: ["CDBus", "DurationConversions"]
        ),
        .target(name: "SpoolControlAPI", dependencies: ["DBus"]),
        .target(
            name: "SpoolClient",
            dependencies: [
                "SpoolPrimitives",
                "SpoolProtocol",
                "DurationConversions",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "spoolctl",
            dependencies: [
                "SpoolClient",
                "SpoolControlAPI",
                "DBus",
                "DurationConversions",
                "SpoolQueueFiles",
                "SpoolSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "SpoolControl",
            dependencies: [
                "DBus", "SpoolControlAPI", "SpoolCore", "SpoolEngineHost", "DurationConversions", "SystemAccounts",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "CSpawn", dependencies: ["CLandlock"]),
        .target(name: "SystemAccounts"),
        .target(name: "ProcessSupervisor", dependencies: ["CSpawn", "DurationConversions", "SystemAccounts"]),
        .target(name: "SpoolQueueFiles", dependencies: ["ProcessSupervisor", "SpoolPrimitives", "DurationConversions"]),
        .target(
            name: "SpoolPool",
            dependencies: [
                "SpoolQueueFiles", "SpoolSandbox", "ProcessSupervisor", "DurationConversions", "SpoolEngineHost", "SpoolCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(name: "SpoolMetrics", dependencies: ["SpoolCore", "SpoolEngineHost", "SpoolPool"]),
        .target(
            name: "SpoolHTTP",
            dependencies: [
                "SpoolMetrics", "SpoolServer", "SpoolEngineHost", "SpoolPool", "SpoolCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "spool-client-bench",
            dependencies: ["SpoolClient"],
            path: "bench/client"
        ),
        .executableTarget(
            name: "dbus-counter-example",
            dependencies: ["DBus"]
        ),
        .executableTarget(
            name: "systemd-notify-example",
            dependencies: ["Systemd", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SpoolProtocolTests",
            dependencies: ["SpoolProtocol", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(name: "SpoolPrimitivesTests", dependencies: ["SpoolPrimitives"]),
        .testTarget(name: "DurationConversionsTests", dependencies: ["DurationConversions"]),
        .testTarget(name: "SystemAccountsTests", dependencies: ["SystemAccounts"]),
        .testTarget(
            name: "SpoolCoreTests",
            dependencies: ["SpoolCore", "SpoolTestSupport", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "SpoolStoreTests",
            dependencies: [
                "SpoolStore", "SpoolCore", "SpoolTestSupport", "CCRC32C",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SpoolServerTests",
            dependencies: [
                "SpoolServer", "SpoolEngineHost", "SpoolCore", "SpoolProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SpoolEngineHostTests",
            dependencies: [
                "SpoolEngineHost", "SpoolCore", "SpoolProtocol",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SpoolClientTests",
            dependencies: ["SpoolClient", "SpoolProtocol", "SpoolTestSupport", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "SpooldTests",
            dependencies: [
                "spoold", "spoolctl", "SpoolClient", "SpoolControlAPI", "DBus", "SpoolCluster", "SpoolTestSupport",
            ],
            exclude: []
        ),
        .testTarget(name: "SpoolQueueFilesTests", dependencies: ["SpoolQueueFiles", "ProcessSupervisor"]),
        .testTarget(name: "SpoolMetricsTests", dependencies: ["SpoolMetrics", "SpoolEngineHost", "SpoolCore", "SpoolPool"]),
        .testTarget(name: "SpoolHTTPTests", dependencies: ["SpoolHTTP"]),
        .testTarget(name: "SpoolSandboxTests", dependencies: ["SpoolSandbox", "SpoolQueueFiles"]),
        .testTarget(
            name: "ProcessSupervisorTests",
            // Handlers are described as queue files, the way the worker pool runs them.
            dependencies: ["ProcessSupervisor", "SpoolQueueFiles", "SpoolTestSupport"]
        ),
        .testTarget(
            name: "SpoolPoolTests",
            dependencies: [
                "SpoolPool", "SpoolQueueFiles", "ProcessSupervisor", "SpoolEngineHost", "SpoolCore", "SpoolTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "EndToEndTests"),
        .target(name: "SpoolTestSupport", path: "Tests/SpoolTestSupport"),
        .testTarget(name: "DBusTests", dependencies: ["DBus", "dbus-counter-example", "SpoolTestSupport"]),
        .testTarget(
            name: "SystemdTests",
            dependencies: ["Systemd", "CSystemd", "systemd-notify-example", .product(name: "Logging", package: "swift-log")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
