import DequeModule
import NIOCore
import SpoolProtocol

/// Matches replies to commands in order: every command written leaves a
/// promise at the back of a FIFO, and every reply completes the promise at
/// its front.
///
/// When the connection ends, every promise still waiting fails: with
/// ``SpoolClientError/connectionClosed``, or for the command whose reply
/// could not be decoded, ``SpoolClientError/unexpectedReply(_:)``.
///
/// Each command may come with a time its reply may take
/// (``ClientConfiguration/replyTimeout``), counted once it is the oldest
/// one awaited: when that runs out, it fails with
/// ``SpoolClientError/timedOut(_:)`` and the connection closes (a reply
/// that came later would answer the wrong command). Lives on its channel's
/// event loop and is only touched there.
final class ReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ReceivedReply
    typealias OutboundOut = ByteBuffer

    /// A command written and not answered yet.
    struct Awaited {
        /// Completed by its reply.
        var promise: EventLoopPromise<ReceivedReply>
        /// How long its reply may take once it is the oldest awaited; nil: no limit.
        var allowance: Duration?
    }

    private var pending = Deque<Awaited>()
    private var context: ChannelHandlerContext?
    private var isOver = false
    /// Fails the oldest command when its allowance runs out.
    private var deadline: Scheduled<Void>?

    /// How many commands are written and not answered yet.
    var awaitedReplies: Int { pending.count }

    /// Writes `commands` (already encoded, in order) and queues one entry
    /// per command for its reply. On a connection that is over, fails them at once.
    func send(_ commands: ByteBuffer, awaiting awaited: [Awaited]) {
        guard !isOver, let context else {
            for command in awaited { command.promise.fail(SpoolClientError.connectionClosed) }
            return
        }
        let wasIdle = pending.isEmpty
        pending.append(contentsOf: awaited)
        context.writeAndFlush(wrapOutboundOut(commands), promise: nil)
        if wasIdle { watchOldest(context: context) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        end(first: .connectionClosed)
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(first: .connectionClosed)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        guard let answered = pending.popFirst() else {
            end(first: .connectionClosed)
            context.close(promise: nil)
            return
        }
        watchOldest(context: context)
        answered.promise.succeed(reply)
    }

    /// Starts the clock of the oldest command awaited, if it has a limit.
    private func watchOldest(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        guard let limit = pending.first?.allowance else { return }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: TimeAmount(clamping: limit)) {
            let (handler, context) = bound.value
            handler.end(first: .timedOut(limit))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let decoding = error as? ReplyDecodingError {
            end(first: .unexpectedReply(decoding.description))
        } else {
            end(first: .connectionClosed)
        }
        context.close(promise: nil)
    }

    /// Marks the connection over and fails every waiting promise: the
    /// oldest with `error`, the others with ``SpoolClientError/connectionClosed``.
    private func end(first error: SpoolClientError) {
        isOver = true
        deadline?.cancel()
        deadline = nil
        var failure = error
        while let command = pending.popFirst() {
            command.promise.fail(failure)
            failure = .connectionClosed
        }
    }
}
