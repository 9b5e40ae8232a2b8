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

    /// Creates a server whose engine uses `clock` and `store`, on `eventLoop`,
    /// and holds the jobs `recovered` from a durable store.
    /// - Parameter makeStore: builds the store on the event loop.
    public init(
        configuration: ServerConfiguration, eventLoop: EventLoop, logger: Logger,
        clock: @escaping @Sendable () -> EngineClock = { SystemClock() },
        makeStore: @escaping @Sendable () -> JobStore = { MemoryStore() },
        recovered: RecoveredQueue = RecoveredQueue()
    ) async throws {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        driver = try await eventLoop.submit {
            let engine = Engine(clock: clock(), store: makeStore())
            engine.restore(recovered)
            let driver = EngineDriver(engine: engine, configuration: configuration, eventLoop: eventLoop, logger: logger)
            driver.engineDidChange()
            return NIOLoopBound(driver, eventLoop: eventLoop)
        }.get()
    }

    /// Adopts every inherited socket, binds every configured listener and starts serving.
    public func start() async throws {
        for socket in configuration.inheritedSockets {
            let channel = try await adopt(socket)
            channels.withLockedValue { $0.append(channel) }
            logger.info("adopted listening socket", metadata: ["fd": "\(socket.fileDescriptor)", "fd_name": "\(socket.name)"])
        }
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

    /// A bootstrap whose connections are served by the engine; TCP ones
    /// without Nagle's delay. When accept(2) fails (no file descriptor left),
    /// the listener backs off for a second instead of spinning.
    private func bootstrap(tcp: Bool) -> ServerBootstrap {
        let driver = self.driver
        let maxJobSize = configuration.maxJobSize
        let logger = self.logger
        let bootstrap = ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoff(logger: logger))
                }
            }
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // Reads start small and grow with what arrives: an idle
            // connection keeps 256 bytes of read buffer instead of 2 KiB.
            // Never below 256: a small put (line and body) then arrives in
            // one read, where 64 bytes took two (6 % fewer durable jobs/s).
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 256, initial: 256, maximum: 65_536))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ConnectionHandler(driver: driver.value, maxJobSize: maxJobSize))
                }
            }
        return tcp ? bootstrap.childChannelOption(.socketOption(.tcp_nodelay), value: 1) : bootstrap
    }

    private func bind(_ address: ListenAddress) async throws -> Channel {
        switch address {
        case .unix(let path):
            return try await bootstrap(tcp: false).bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        case .tcp(let host, let port):
            return try await bootstrap(tcp: true)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
        }
    }

    private func adopt(_ socket: InheritedSocket) async throws -> Channel {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket.fileDescriptor, $0, &length) }
        }
        guard named == 0 else { throw IOError(errnoCode: errno, reason: "getsockname on inherited fd \(socket.fileDescriptor)") }
        let family = Int32(address.ss_family)
        return try await bootstrap(tcp: family == AF_INET || family == AF_INET6).withBoundSocket(socket.fileDescriptor).get()
    }

    /// Runs `body` with the engine on its loop, for reading.
    public func inspect<T: Sendable>(_ body: @escaping @Sendable (Engine) -> T) async throws -> T {
        let driver = self.driver
        return try await eventLoop.submit { body(driver.value.engine) }.get()
    }

    /// Runs `body` with the engine on its loop to change the queue, and
    /// returns once the changes are durable, as a protocol reply would.
    /// - Throws: ``StoreUnavailableError`` when the store takes no changes now;
    ///   nothing is changed then.
    public func change<T: Sendable>(_ body: @escaping @Sendable (Engine) -> T) async throws -> T {
        let driver = self.driver
        let eventLoop = self.eventLoop
        return try await eventLoop.flatSubmit {
            let engine = driver.value.engine
            guard engine.store.condition != .failing else {
                return eventLoop.makeFailedFuture(StoreUnavailableError())
            }
            let result = body(engine)
            driver.value.engineDidChange()
            let promise = eventLoop.makePromise(of: T.self)
            engine.store.whenDurable(engine.stagedSequence) { _ in promise.succeed(result) }
            return promise.futureResult
        }.get()
    }

    /// Runs `body` with the engine, on its loop, for code that lives on that
    /// loop (the worker pool); then re-arms the engine's timers.
    /// - Precondition: called on ``eventLoop``.
    public func withEngine<T>(_ body: (Engine) throws -> T) rethrows -> T {
        let driver = self.driver.value
        defer { driver.engineDidChange() }
        return try body(driver.engine)
    }

    /// Calls `observer` on the engine's loop for every engine event.
    public func observe(_ observer: @escaping @Sendable (EngineEvent) -> Void) async throws {
        let driver = self.driver
        try await eventLoop.submit { driver.value.observers.append(observer) }.get()
    }

    /// A consistent snapshot of the queue's counts, taken on the engine's loop.
    public func snapshot() async throws -> ServerSnapshot {
        let driver = self.driver
        return try await eventLoop.submit { driver.value.snapshot }.get()
    }

    /// Runs `body` every `interval` on the engine's own loop with a fresh
    /// snapshot. Because it runs on that loop, a loop that hangs stops running
    /// it: this is where watchdog pings belong.
    public func every(_ interval: TimeAmount, _ body: @escaping @Sendable (ServerSnapshot) -> Void) -> RepeatedTask {
        let driver = self.driver
        return eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { _ in
            body(driver.value.snapshot)
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

/// The store cannot take changes now (its commits fail); nothing was changed.
public struct StoreUnavailableError: Error, CustomStringConvertible {
    /// One line for a log or an error reply.
    public var description: String { "the store cannot take changes now (see the journal); nothing was changed" }
}
