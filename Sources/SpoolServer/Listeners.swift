import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Listening sockets, bound or adopted from systemd, whose connections one
/// initializer sets up: what the protocol server and the HTTP listener share.
///
/// When accept(2) fails (no file descriptor left) a listener backs off for a
/// second instead of spinning (``AcceptBackoff``).
public final class Listeners: Sendable {
    /// Sets up an accepted connection's pipeline, on its loop.
    public typealias Initializer = @Sendable (Channel) -> EventLoopFuture<Void>

    private let eventLoop: EventLoop
    private let configuration: ServerConfiguration
    private let what: String
    private let logger: Logger
    private let initializer: Initializer
    private let tuning: @Sendable (ServerBootstrap) -> ServerBootstrap
    private let channels: NIOLockedValueBox<[Channel]> = .init([])

    /// Listeners on `configuration`'s sockets whose connections run on
    /// `eventLoop`, set up by `initializer`.
    /// - Parameters:
    ///   - what: names them in logs ("protocol", "http").
    ///   - tuning: adds child channel options to every listener's bootstrap.
    public init(
        eventLoop: EventLoop, configuration: ServerConfiguration, what: String, logger: Logger,
        tuning: @escaping @Sendable (ServerBootstrap) -> ServerBootstrap = { $0 },
        initializer: @escaping Initializer
    ) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.what = what
        self.logger = logger
        self.tuning = tuning
        self.initializer = initializer
    }

    /// Adopts every inherited socket and binds every configured address.
    public func start() async throws {
        for socket in configuration.inheritedSockets {
            let channel = try await adopt(socket)
            channels.withLockedValue { $0.append(channel) }
            logger.info("adopted listening socket", metadata: ["fd": "\(socket.fileDescriptor)", "fd_name": "\(socket.name)", "serves": "\(what)"])
        }
        for address in configuration.listeners {
            let channel = try await bind(address)
            channels.withLockedValue { $0.append(channel) }
            if case .tcp(_, 0) = address, let port = channel.localAddress?.port {
                // `-p 0`: the port is the kernel's choice, which only this line tells.
                logger.notice("listening on the port the kernel chose", metadata: ["address": "\(address)", "port": "\(port)", "serves": "\(what)"])
            } else {
                logger.info("listening", metadata: ["address": "\(address)", "serves": "\(what)"])
            }
        }
    }

    /// A bootstrap whose connections `initializer` sets up; TCP ones without
    /// Nagle's delay.
    private func bootstrap(tcp: Bool) -> ServerBootstrap {
        let logger = self.logger
        let initializer = self.initializer
        let bootstrap = tuning(
            ServerBootstrap(group: eventLoop)
                .serverChannelOption(.backlog, value: 4096)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(AcceptBackoff(logger: logger))
                    }
                }
                .childChannelInitializer(initializer))
        // TCP_NODELAY is a TCP-level option: at the socket level its number
        // is SO_DEBUG, which only root may set, and a failed option closes
        // every accepted connection.
        return tcp ? bootstrap.childChannelOption(.tcpOption(.tcp_nodelay), value: 1) : bootstrap
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
