import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SpoolEngineHost

#if canImport(Glibc)
import Glibc
#endif

/// spoold's network server: the beanstalkd protocol on every configured
/// socket, served by an engine: an ``EngineHost``'s, or a cluster node's.
///
/// Connections are served on the event loop that owns the engine, so a
/// command never crosses a thread.
public final class SpoolServer: Sendable {
    private let eventLoop: EventLoop
    private let engine: @Sendable () -> ConnectionEngine
    private let configuration: ServerConfiguration
    private let logger: Logger
    private let channels: NIOLockedValueBox<[Channel]> = .init([])

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
        self.eventLoop = eventLoop
        self.engine = engine
        self.configuration = configuration
        self.logger = logger
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

    /// A bootstrap whose connections are served by the engine; TCP ones
    /// without Nagle's delay. When accept(2) fails (no file descriptor left),
    /// the listener backs off for a second instead of spinning.
    private func bootstrap(tcp: Bool) -> ServerBootstrap {
        let engine = self.engine
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
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(engine: engine()))
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

    /// Stops listening and removes the Unix socket files it created.
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
    }
}
