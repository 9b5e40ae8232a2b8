import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SpoolCore

#if canImport(Glibc)
import Glibc
#endif

/// spoold's data plane: the engine on one event loop, serving the beanstalkd
/// protocol on every configured socket.
///
/// Everything that touches queue state runs on that single loop: connections
/// are served on it, and the engine's timers fire on it. Other threads (the
/// store, the worker pool, D-Bus) hand their work to the loop.
public final class SpoolServer: Sendable {
    /// The loop that owns the engine.
    public let eventLoop: EventLoop
    private let configuration: ServerConfiguration
    private let logger: Logger
    private let driver: NIOLoopBound<EngineDriver>
    private let channels: NIOLockedValueBox<[Channel]> = .init([])

    /// Creates a server whose engine uses `clock` and `store`, on `eventLoop`.
    /// - Parameter makeStore: builds the store on the event loop.
    public init(
        configuration: ServerConfiguration, eventLoop: EventLoop, logger: Logger,
        clock: @escaping @Sendable () -> EngineClock = { SystemClock() },
        makeStore: @escaping @Sendable () -> JobStore = { MemoryStore() }
    ) async throws {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        driver = try await eventLoop.submit {
            NIOLoopBound(
                EngineDriver(engine: Engine(clock: clock(), store: makeStore()), configuration: configuration, eventLoop: eventLoop),
                eventLoop: eventLoop)
        }.get()
    }

    /// Binds every configured listener and starts serving.
    public func start() async throws {
        for address in configuration.listeners {
            let channel = try await bind(address)
            channels.withLockedValue { $0.append(channel) }
            logger.info("listening", metadata: ["address": "\(address)"])
        }
    }

    /// The addresses actually bound (with the ports the kernel chose for port 0).
    public var boundAddresses: [SocketAddress] {
        channels.withLockedValue { $0.compactMap { $0.localAddress } }
    }

    private func bind(_ address: ListenAddress) async throws -> Channel {
        let driver = self.driver
        let maxJobSize = configuration.maxJobSize
        var bootstrap = ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 4096)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ConnectionHandler(driver: driver.value, maxJobSize: maxJobSize))
                }
            }
        switch address {
        case .unix(let path):
            return try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        case .tcp(let host, let port):
            bootstrap = bootstrap
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            return try await bootstrap.bind(host: host, port: port).get()
        }
    }

    /// Stops accepting puts (`DRAINING`), as beanstalkd does on SIGUSR1.
    public func drain() {
        let driver = self.driver
        eventLoop.execute {
            driver.value.engine.isDraining = true
        }
    }

    /// Stops listening, removes the Unix socket files it created and stops the timers.
    public func shutdown() async {
        let listeners = channels.withLockedValue { channels in
            defer { channels.removeAll() }
            return channels
        }
        for channel in listeners {
            try? await channel.close()
        }
        for case .unix(let path) in configuration.listeners {
            unlink(path)
        }
        let driver = self.driver
        try? await eventLoop.submit { driver.value.stop() }.get()
    }
}
