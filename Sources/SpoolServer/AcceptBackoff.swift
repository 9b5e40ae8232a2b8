import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Sits on a listening channel and stops accepting for a second when
/// accept(2) fails, e.g. with EMFILE when spoold has no file descriptor left.
///
/// The failed accept leaves the listening socket readable, and NIO keeps a
/// failed read pending, so neither retrying nor NIO's `AcceptBackoffHandler`
/// (which only holds back new `read()`s) stops the loop from spinning on it:
/// this handler switches `autoRead` off, which takes the socket out of the
/// poll set, and back on a second later. The connections already open keep
/// being served meanwhile; new ones wait in the listen backlog. It says so
/// once per episode, at warning, and once more when a connection is accepted
/// again.
final class AcceptBackoff: ChannelInboundHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    /// How long accepting pauses after a failed accept.
    static let pause = TimeAmount.seconds(1)

    private let logger: Logger
    private var failing = false
    private var resume: Scheduled<Void>?

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if failing {
            failing = false
            logger.notice("accepting connections again")
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let error = error as? IOError else {
            // An accepted connection that could not be set up (it is closed).
            logger.warning("a new connection could not be set up", metadata: ["error": "\(error)"])
            return
        }
        if !failing {
            failing = true
            let reason = error.errnoCode == EMFILE || error.errnoCode == ENFILE ? "out of file descriptors" : "accept failed"
            logger.warning("\(reason): new connections wait, retried every second", metadata: ["error": "\(error)"])
        }
        guard resume == nil, let options = context.channel.syncOptions else { return }
        try? options.setOption(.autoRead, value: false)
        let channel = NIOLoopBound(context.channel, eventLoop: context.eventLoop)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        resume = context.eventLoop.scheduleTask(in: Self.pause) {
            handler.value.resume = nil
            try? channel.value.syncOptions?.setOption(.autoRead, value: true)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
    }
}
