import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import SpoolServer

/// spoold's HTTP listener (`--http`, `spoold-http.socket`): Prometheus
/// metrics at `/metrics` and the live dashboard at `/`, read-only, on
/// swift-nio's HTTP/1.1 support. Off unless an address is given.
///
/// Bounded against hostile clients: at most ``maximumConnections`` at once
/// (later ones are closed at once), of which at most ``maximumStreams``
/// live feeds, request headers of at most ``maximumHeaderBytes`` (answered
/// 400 and closed), a whole request within
/// ``HTTPRequestHandler/requestTimeout``, responses no faster than the
/// client reads them. Its connections run on the
/// engine's loop, like the protocol's, and cost the protocol nothing while
/// idle.
public final class HTTPListener: Sendable {
    /// Connections served at once.
    public static let maximumConnections = 128
    /// Live feeds (`/events`, an open dashboard each) served at once; a
    /// quarter of the connections, so that scrapes always find room.
    public static let maximumStreams = 32
    /// The most bytes of request headers taken.
    public static let maximumHeaderBytes = 16 * 1024

    private let listeners: Listeners
    private let feed: DashboardFeed
    private let feedTask: NIOLockedValueBox<Task<Void, Never>?> = .init(nil)
    private let connections: NIOLockedValueBox<Int>

    /// A listener on `configuration`'s sockets whose connections run on
    /// `eventLoop` and read from `sources`; it listens once started.
    public init(eventLoop: EventLoop, configuration: ServerConfiguration, sources: HTTPSources, logger: Logger) {
        let feed = DashboardFeed(sources: sources, logger: logger)
        let connections = NIOLockedValueBox(0)
        let streams = NIOLockedValueBox(0)
        self.feed = feed
        self.connections = connections
        listeners = Listeners(eventLoop: eventLoop, configuration: configuration, what: "http", logger: logger) { channel in
            let admitted = connections.withLockedValue { count in
                guard count < Self.maximumConnections else { return false }
                count += 1
                return true
            }
            guard admitted else {
                logger.debug("HTTP connection refused: too many open", metadata: ["limit": "\(Self.maximumConnections)"])
                return channel.close()
            }
            channel.closeFuture.whenComplete { _ in connections.withLockedValue { $0 -= 1 } }
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = Self.maximumHeaderBytes
            limits.maxHeaderListSize = Self.maximumHeaderBytes
            limits.maxHeaderFieldCount = 100
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
                try channel.pipeline.syncOperations.addHandler(HTTPRequestHandler(sources: sources, feed: feed, streams: streams, logger: logger))
            }
        }
    }

    /// Open HTTP connections (a dashboard keeps one open).
    public var openConnections: Int { connections.withLockedValue { $0 } }

    /// Binds or adopts the sockets and starts the dashboard's feed.
    public func start() async throws {
        try await listeners.start()
        let feed = self.feed
        feedTask.withLockedValue { $0 = Task { await feed.run() } }
    }

    /// Stops listening and ends the feed (open pages are disconnected).
    public func shutdown() async {
        await listeners.shutdown()
        if let task = feedTask.withLockedValue({ $0 }) {
            task.cancel()
            await task.value
        }
    }
}
