import Logging
import NIOCore
import NIOPosix
import SpoolEngineHost

/// spoold's network server: the beanstalkd protocol on every configured
/// socket, served by an engine: an ``EngineHost``'s, or a cluster node's.
///
/// Connections are served on the event loop that owns the engine, so a
/// command never crosses a thread.
public final class SpoolServer: Sendable {
    private let listeners: Listeners

    /// Creates a server for `host`'s engine; it listens once started.
    public convenience init(host: EngineHost, configuration: ServerConfiguration, logger: Logger) {
        self.init(eventLoop: host.eventLoop, engine: { host.onLoop }, configuration: configuration, logger: logger)
    }

    /// Creates a server whose connections are served on `eventLoop` by the
    /// engine `engine` returns there; it listens once started.
    public init(
        eventLoop: EventLoop, engine: @escaping @Sendable () -> ConnectionEngine,
        configuration: ServerConfiguration, logger: Logger
    ) {
        listeners = Listeners(
            eventLoop: eventLoop, configuration: configuration, what: "protocol", logger: logger,
            tuning: { bootstrap in
                bootstrap
                    .childChannelOption(.allowRemoteHalfClosure, value: true)
                    // Reads start small and grow with what arrives: an idle
                    // connection keeps 256 bytes of read buffer instead of 2 KiB.
                    // Never below 256: a small put (line and body) then arrives in
                    // one read, where 64 bytes took two (6 % fewer durable jobs/s).
                    .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 256, initial: 256, maximum: 65_536))
            },
            initializer: { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(engine: engine()))
                }
            })
    }

    /// Adopts every inherited socket, binds every configured listener and starts serving.
    public func start() async throws {
        try await listeners.start()
    }

    /// Stops listening and removes the Unix socket files it created.
    public func shutdown() async {
        await listeners.shutdown()
    }
}
