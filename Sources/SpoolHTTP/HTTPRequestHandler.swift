import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import SpoolMetrics

/// Serves one HTTP connection: `GET /metrics`, the dashboard (`/` and its
/// script) and its live feed (`/events`). Anything else is 404, any method
/// but GET and HEAD 405; nothing changes the queue.
///
/// A request must arrive whole within ``requestTimeout`` of the connection
/// opening or of the previous response (slow clients, slowloris): after that
/// the connection is closed. Header size is bounded by the decoder
/// (``HTTPListener``), which answers 400 and closes beyond it.
///
/// A client that pipelines requests and does not read the responses is
/// answered no faster than it reads: a request that arrives while the
/// connection's output is full waits until it drains (NIO's pipelining
/// handler then buffers nothing more and stops reading the socket), and a
/// client that reads nothing for ``requestTimeout`` is disconnected.
///
/// At most ``HTTPListener/maximumStreams`` live feeds are open at once, so
/// that open dashboards never take every connection `/metrics` needs.
final class HTTPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// How long a connection may take to send a whole request.
    static let requestTimeout = TimeAmount.seconds(10)

    private let sources: HTTPSources
    private let feed: DashboardFeed
    private let streams: NIOLockedValueBox<Int>
    private let logger: Logger
    private var head: HTTPRequestHead?
    /// A whole request that waits for the connection's output to drain.
    private var parked: HTTPRequestHead?
    private var deadline: Scheduled<Void>?
    private var streaming = false

    /// A handler whose live feed counts itself in `streams`, the feeds open
    /// on the listener.
    init(sources: HTTPSources, feed: DashboardFeed, streams: NIOLockedValueBox<Int>, logger: Logger) {
        self.sources = sources
        self.feed = feed
        self.streams = streams
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        armDeadline(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        if streaming {
            streams.withLockedValue { $0 -= 1 }
            let feed = self.feed
            let channel = context.channel
            Task { await feed.unsubscribe(channel) }
        }
        context.fireChannelInactive()
    }

    /// A malformed request (answered 400 by NIO's error handler before it
    /// gets here) or a failed connection: it ends.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("HTTP connection closed on an error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break  // GET and HEAD take no body: ignored, within the request's time
        case .end:
            deadline?.cancel()
            guard let head else { return }
            self.head = nil
            guard context.channel.isWritable else {
                // The client has not read what it asked for before: it must
                // within the request's time, or it is disconnected.
                parked = head
                return armDeadline(context)
            }
            route(head, context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let head = parked {
            parked = nil
            deadline?.cancel()
            route(head, context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Routes

    private func route(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard head.method == .GET || head.method == .HEAD else {
            var headers = HTTPHeaders()
            headers.add(name: "allow", value: "GET, HEAD")
            return respond(head, .methodNotAllowed, "text/plain; charset=utf-8", "read-only: only GET and HEAD\n", extra: headers, context: context)
        }
        let path = Self.path(of: head.uri)
        switch path {
        case "/metrics":
            metrics(head, context: context)
        case "/", "/index.html":
            var headers = HTTPHeaders()
            headers.add(name: "content-security-policy", value: DashboardPage.contentSecurityPolicy)
            respond(head, .ok, "text/html; charset=utf-8", DashboardPage.html, extra: headers, context: context)
        case "/dashboard.js":
            respond(head, .ok, "text/javascript; charset=utf-8", DashboardPage.script, context: context)
        case "/events":
            events(head, context: context)
        default:
            respond(head, .notFound, "text/plain; charset=utf-8", "not found: \(path.prefix(200))\n", context: context)
        }
    }

    /// The path of a request target: without its query, and without the
    /// scheme and authority of the absolute form (`http://host/metrics`),
    /// which a server must accept (RFC 9112, 3.2.2).
    static func path(of target: String) -> String {
        var rest = Substring(target)
        let scheme = rest.prefix { $0.isLetter }
        if !scheme.isEmpty, rest[scheme.endIndex...].hasPrefix("://") {
            let authority = rest[scheme.endIndex...].dropFirst(3)
            rest = authority.firstIndex(of: "/").map { authority[$0...] } ?? "/"
        }
        return String(rest.prefix { $0 != "?" })
    }

    private func metrics(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let format = MetricsFormat(accept: head.headers.first(name: "accept"))
        let sources = self.sources
        let promise = context.eventLoop.makePromise(of: String.self)
        promise.completeWithTask {
            let engine = try await sources.engine.metrics()
            let pools = await sources.pools()
            return SpoolMetricFamilies.exposition(engine, pools: pools, process: .current(), format: format)
        }
        promise.futureResult.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let text):
                self.respond(head, .ok, format.contentType, text, context: context)
            case .failure(let error):
                self.respond(head, .serviceUnavailable, "text/plain; charset=utf-8", "the queue cannot be read now: \(error)\n", context: context)
            }
        }
    }

    /// The live feed: a response that stays open, to which the feed writes
    /// server-sent events.
    private func events(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let admitted = head.method != .GET || streams.withLockedValue { open in
            guard open < HTTPListener.maximumStreams else { return false }
            open += 1
            return true
        }
        guard admitted else {
            return respond(
                head, .serviceUnavailable, "text/plain; charset=utf-8",
                "too many live feeds open (\(HTTPListener.maximumStreams)); try again later\n", context: context)
        }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream; charset=utf-8")
        headers.add(name: "cache-control", value: "no-store")
        // Reverse proxies (nginx) must pass events on as they come.
        headers.add(name: "x-accel-buffering", value: "no")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
        guard head.method == .GET else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return armDeadline(context)
        }
        streaming = true
        let feed = self.feed
        let channel = context.channel
        Task { await feed.subscribe(channel) }
    }

    private func respond(
        _ request: HTTPRequestHead, _ status: HTTPResponseStatus, _ contentType: String, _ body: String,
        extra: HTTPHeaders = [:], context: ChannelHandlerContext
    ) {
        let bytes = ByteBuffer(string: body)
        var headers = extra
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: "\(bytes.readableBytes)")
        headers.add(name: "cache-control", value: "no-store")
        headers.add(name: "x-content-type-options", value: "nosniff")
        if !request.isKeepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if request.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil) }
        // Armed before the end goes out: writing it hands over the next
        // pipelined request at once, whose handling (a feed) must be able to
        // take the deadline back.
        if request.isKeepAlive { armDeadline(context) }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if request.isKeepAlive {
            // The next request's time runs from when the client had all of
            // this response (a large scrape over a slow link takes a while).
            written.assumeIsolated().whenComplete { [self] _ in
                if head == nil, parked == nil, !streaming { armDeadline(context) }
            }
        } else {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Closes the connection unless a whole request arrives in time.
    private func armDeadline(_ context: ChannelHandlerContext) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: Self.requestTimeout) { channel.close(promise: nil) }
    }
}
