import DequeModule
import NIOCore
import SpoolProtocol

/// Matches replies to commands in order: every command written leaves a
/// promise at the back of a FIFO, and every reply completes the promise at
/// its front.
///
/// When the connection ends, every promise still waiting fails: with
/// ``SpoolClientError/connectionClosed``, or for the command whose reply
/// could not be decoded, ``SpoolClientError/unexpectedReply(_:)``. Lives on
/// its channel's event loop and is only touched there.
final class ReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ReceivedReply
    typealias OutboundOut = ByteBuffer

    private var pending = Deque<EventLoopPromise<ReceivedReply>>()
    private var context: ChannelHandlerContext?
    private var isOver = false

    /// How many commands are written and not answered yet.
    var awaitedReplies: Int { pending.count }

    /// Writes `commands` (already encoded, in order) and queues one promise
    /// per command for its reply. On a connection that is over, fails them at once.
    func send(_ commands: ByteBuffer, awaiting promises: [EventLoopPromise<ReceivedReply>]) {
        guard !isOver, let context else {
            for promise in promises { promise.fail(SpoolClientError.connectionClosed) }
            return
        }
        pending.append(contentsOf: promises)
        context.writeAndFlush(wrapOutboundOut(commands), promise: nil)
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
        guard let promise = pending.popFirst() else {
            end(first: .connectionClosed)
            context.close(promise: nil)
            return
        }
        promise.succeed(reply)
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
        var failure = error
        while let promise = pending.popFirst() {
            promise.fail(failure)
            failure = .connectionClosed
        }
    }
}
