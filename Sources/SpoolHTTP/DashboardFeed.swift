import DequeModule
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import SpoolCore
import SpoolEngineHost
import SpoolPool

/// The dashboard's live feed: samples the queue once per ``interval``,
/// keeps the last ``historyLength`` samples and the last
/// ``failureLength`` failures, and pushes each new sample to every open
/// page as a server-sent event. A page that opens gets the history first,
/// so its plots cover the last minutes at once.
///
/// Bounded: the history and the failures have fixed lengths; the history's
/// event is made once per sample and the same buffer goes to every page
/// that opens meanwhile; a page whose last event is still unsent when the
/// next sample comes skips that sample (a slow link sees a coarser plot),
/// and one that has taken nothing for ``stallLimit`` is disconnected, so
/// that no page is ever owed more than its last event. Events go out in
/// pieces of ``pieceBytes``, so that a page that reads a large history
/// slowly shows that it reads.
actor DashboardFeed {
    /// How often the queue is sampled.
    static let interval = Duration.seconds(1)
    /// Samples kept: five minutes.
    static let historyLength = 300
    /// Failures kept for the page.
    static let failureLength = 20
    /// How long a page may take nothing of an event before it is disconnected.
    static let stallLimit = TimeAmount.seconds(30)
    /// The pieces an event is written in.
    static let pieceBytes = 64 * 1024

    private let sources: HTTPSources
    private let logger: Logger
    private var history = Deque<String>()
    /// The history as one event, made when the first page after a sample opens.
    private var historyEvent: ByteBuffer?
    private let failures = NIOLockedValueBox(Deque<RecentFailure>())
    private var subscribers: [ObjectIdentifier: Subscriber] = [:]

    /// An open page: its connection, and what of its events is unsent.
    private struct Subscriber {
        let channel: Channel
        let output: NIOLockedValueBox<Output>

        /// The pieces of events not yet taken by the connection, and when
        /// it last took one (or when the first of them was queued).
        struct Output {
            var unsentPieces = 0
            var lastProgress = NIODeadline.now()
        }

        init(channel: Channel) {
            self.channel = channel
            output = NIOLockedValueBox(Output())
        }

        /// Writes `message` in pieces, each marking progress once the
        /// connection took it (the pieces share the message's storage).
        func send(_ message: ByteBuffer) {
            var rest = message
            var pieces: [ByteBuffer] = []
            while rest.readableBytes > 0, let piece = rest.readSlice(length: min(DashboardFeed.pieceBytes, rest.readableBytes)) {
                pieces.append(piece)
            }
            output.withLockedValue { output in
                if output.unsentPieces == 0 { output.lastProgress = .now() }
                output.unsentPieces += pieces.count
            }
            let output = self.output
            for piece in pieces {
                let promise = channel.eventLoop.makePromise(of: Void.self)
                promise.futureResult.whenComplete { _ in
                    output.withLockedValue { output in
                        output.unsentPieces -= 1
                        output.lastProgress = .now()
                    }
                }
                channel.write(HTTPServerResponsePart.body(.byteBuffer(piece)), promise: promise)
            }
            channel.flush()
        }

        /// Whether events wait to be sent, and whether the page has taken
        /// nothing of them for `limit` by `now`.
        func backlog(now: NIODeadline, limit: TimeAmount) -> (waiting: Bool, stalled: Bool) {
            output.withLockedValue { output in
                (output.unsentPieces > 0, output.unsentPieces > 0 && now - output.lastProgress >= limit)
            }
        }
    }

    init(sources: HTTPSources, logger: Logger) {
        self.sources = sources
        self.logger = logger
    }

    /// Samples until the task is cancelled.
    func run() async {
        let failures = self.failures
        do {
            try await sources.engine.observe { event in
                guard let failure = RecentFailure(event, time: Self.now()) else { return }
                failures.withLockedValue { list in
                    list.append(failure)
                    if list.count > Self.failureLength { list.removeFirst() }
                }
            }
        } catch {
            logger.warning("the dashboard will show no failures: cannot observe the engine", metadata: ["error": "\(error)"])
        }
        while !Task.isCancelled {
            await sample()
            try? await Task.sleep(for: Self.interval)
        }
        for subscriber in subscribers.values { subscriber.channel.close(promise: nil) }
    }

    /// Takes a sample, keeps it and pushes it to every page.
    private func sample() async {
        do {
            let metrics = try await sources.engine.metrics()
            let pools = await sources.pools()
            let sample = DashboardSample.json(metrics, pools: pools, time: Self.now())
            history.append(sample)
            if history.count > Self.historyLength { history.removeFirst() }
            historyEvent = nil
            broadcast(event("sample", "{\"sample\":\(sample),\"failures\":\(failuresJSON())}"))
        } catch {
            logger.debug("dashboard sample failed", metadata: ["error": "\(error)"])
        }
    }

    /// Adds a page's connection, to which the history goes at once.
    func subscribe(_ channel: Channel) {
        let subscriber = Subscriber(channel: channel)
        subscribers[ObjectIdentifier(channel)] = subscriber
        let message = historyEvent ?? event("history", "{\"history\":[\(history.joined(separator: ","))],\"failures\":\(failuresJSON())}")
        historyEvent = message
        subscriber.send(message)
    }

    /// Forgets a page whose connection closed.
    func unsubscribe(_ channel: Channel) {
        subscribers[ObjectIdentifier(channel)] = nil
    }

    private func broadcast(_ message: ByteBuffer) {
        let now = NIODeadline.now()
        for (key, subscriber) in subscribers {
            guard subscriber.channel.isActive else {
                subscribers[key] = nil
                continue
            }
            let backlog = subscriber.backlog(now: now, limit: Self.stallLimit)
            if backlog.stalled {
                // A page that does not read.
                subscribers[key] = nil
                subscriber.channel.close(promise: nil)
            } else if !backlog.waiting {
                subscriber.send(message)
            }
        }
    }

    private func failuresJSON() -> String {
        var json = JSONWriter()
        let list = failures.withLockedValue { $0 }
        json.array { json in
            for failure in list.reversed() { failure.write(to: &json) }
        }
        return json.text
    }

    /// A server-sent event; `data` is one line of JSON.
    private func event(_ name: String, _ data: String) -> ByteBuffer {
        ByteBuffer(string: "event: \(name)\ndata: \(data)\n\n")
    }

    /// The wall clock, in seconds since the Unix epoch.
    private static func now() -> Double {
        Double(SystemClock().wallNanoseconds) / 1e9
    }
}
