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
/// Bounded: the history and the failures have fixed lengths, and a page
/// that does not read its events (its connection's output stays full for a
/// whole interval) is disconnected rather than buffered for.
actor DashboardFeed {
    /// How often the queue is sampled.
    static let interval = Duration.seconds(1)
    /// Samples kept: five minutes.
    static let historyLength = 300
    /// Failures kept for the page.
    static let failureLength = 20

    private let sources: HTTPSources
    private let logger: Logger
    private var history = Deque<String>()
    private let failures = NIOLockedValueBox(Deque<RecentFailure>())
    private var subscribers: [ObjectIdentifier: Channel] = [:]

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
        for channel in subscribers.values { channel.close(promise: nil) }
    }

    /// Takes a sample, keeps it and pushes it to every page.
    private func sample() async {
        do {
            let metrics = try await sources.engine.metrics()
            let pools = await sources.pools()
            let sample = DashboardSample.json(metrics, pools: pools, time: Self.now())
            history.append(sample)
            if history.count > Self.historyLength { history.removeFirst() }
            broadcast(event("sample", "{\"sample\":\(sample),\"failures\":\(failuresJSON())}"))
        } catch {
            logger.debug("dashboard sample failed", metadata: ["error": "\(error)"])
        }
    }

    /// Adds a page's connection, to which the history goes at once.
    func subscribe(_ channel: Channel) {
        subscribers[ObjectIdentifier(channel)] = channel
        let message = event("history", "{\"history\":[\(history.joined(separator: ","))],\"failures\":\(failuresJSON())}")
        channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(message)), promise: nil)
    }

    /// Forgets a page whose connection closed.
    func unsubscribe(_ channel: Channel) {
        subscribers[ObjectIdentifier(channel)] = nil
    }

    private func broadcast(_ message: ByteBuffer) {
        for (key, channel) in subscribers {
            guard channel.isActive, channel.isWritable else {
                // Still full from the last push: a page that does not read.
                subscribers[key] = nil
                channel.close(promise: nil)
                continue
            }
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(message)), promise: nil)
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
