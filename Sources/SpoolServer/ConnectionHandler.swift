import DequeModule
import NIOCore
import SpoolCore
import SpoolEngineHost
import SpoolProtocol

/// Serves one client connection: parses its bytes, runs its commands in order
/// on the engine, and writes the replies in the same order.
///
/// - A reply that acknowledges a mutation leaves only once the store reports
///   the mutation durable; later replies queue behind it.
/// - A waiting reserve pauses command processing (later commands stay
///   buffered, as in beanstalkd) until the engine reports its outcome.
/// - Backpressure: the handler stops reading while the peer does not read its
///   replies or while too much unprocessed input is buffered, so a flooding or
///   stuck client costs bounded memory and never blocks the others. Replies
///   count as they are made, not only once written: commands stop being run
///   while the replies owed (made but not yet handed to the channel, held for
///   a commit or not yet written) reach about one maximum-size job, as
///   beanstalkd stops at one pending reply. So pipelining `peek` of a large
///   job never turns a small input into a large output in memory.
final class ConnectionHandler: ChannelDuplexHandler, EngineConnectionDelegate {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Mode {
        case running
        /// In a reserve that waits for a job, or a put that waits for room.
        case waiting
        case closing
    }

    private let engine: ConnectionEngine
    private var parser: CommandParser
    private let inputLimit: Int
    private var input = ByteBuffer()
    private var output = ByteBuffer()
    /// The replies held for commits, one after the other; `held` says
    /// how long each is and after which point it may leave.
    private var heldOutput = ByteBuffer()
    private var held = Deque<(sequence: CommitSequence, length: Int)>()
    /// Told when the commit the first held reply waits for is durable;
    /// made once, not per commit.
    private var durableAction: ((RejectedSequences) -> Void)?
    /// Commands stop being run while the replies owed reach this.
    private let outputLimit: Int
    private var connection: EngineConnection?
    private var context: ChannelHandlerContext?
    private var mode = Mode.running
    private var inputClosed = false
    private var readPending = false
    private var resumeScheduled = false
    private var processing = false

    init(engine: ConnectionEngine) {
        self.engine = engine
        let maxJobSize = engine.maxJobSize
        self.parser = CommandParser(maxJobSize: maxJobSize)
        self.inputLimit = max(1 << 20, maxJobSize + ProtocolLimits.maxLineLength + 2)
        self.outputLimit = maxJobSize + Self.flushThreshold
    }

    /// Made replies are handed to the channel once they reach this, so that
    /// the channel's writability follows a peer that does not read.
    private static let flushThreshold = 64 * 1024

    /// An empty buffer without storage of its own, for a connection whose
    /// input is all processed; never written to (the next read replaces it).
    private static let noInput = ByteBuffer()

    /// Replies made and not yet handed to the channel.
    private var owedBytes: Int { output.readableBytes + heldOutput.readableBytes }

    /// The memory the buffer of held replies takes (for tests).
    var heldBufferCapacity: Int { heldOutput.capacity }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        durableAction = { [weak self] rejected in
            self?.releaseHeld(rejected: rejected)
        }
        connection = engine.connect(self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closeSession()
        durableAction = nil
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        closeSession()
        context.fireChannelInactive()
    }

    private func closeSession() {
        guard let connection else { return }
        self.connection = nil
        mode = .closing
        held.removeAll()
        heldOutput = ByteBuffer()
        connection.close()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if input.readableBytes == 0 {
            input = bytes
        } else {
            input.writeBuffer(&bytes)
        }
        processInput()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? ChannelEvent, event == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        inputClosed = true
        processInput()
        flush()
    }

    /// NIO may report writability from inside a write, so processing resumes on a later turn.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { scheduleResume() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    /// Holds reads back while the connection cannot take more input.
    func read(context: ChannelHandlerContext) {
        if canRead(context) {
            context.read()
        } else {
            readPending = true
        }
    }

    /// Input buffered while a reserve waits: a client sends nothing more
    /// then, and beanstalkd reads nothing from a waiting connection (a hang-up
    /// is still seen). Without this bound, each of 10,000 waiting connections
    /// could park a megabyte of commands (found by review: +944 MB for 1,000).
    static let waitingInputLimit = 4096

    private func canRead(_ context: ChannelHandlerContext) -> Bool {
        let limit = mode == .waiting ? Self.waitingInputLimit : inputLimit
        return mode != .closing && context.channel.isWritable && input.readableBytes < limit && owedBytes < outputLimit
    }

    private func resumeReading() {
        guard readPending, let context, canRead(context) else { return }
        readPending = false
        context.read()
    }

    // MARK: Commands

    private func processInput() {
        guard !processing, let connection, let context else { return }
        processing = true
        defer { processing = false }
        while mode == .running, context.channel.isWritable, owedBytes < outputLimit, let frame = parser.next(&input) {
            switch frame {
            case .putStarted(let bodyFits):
                connection.startPut(bodyFits: bodyFits)
            case .badPauseTube:
                connection.countMalformedPauseTube()
                emit(Reply(.badFormat), after: 0)
            case .error(let error):
                if error == .expectedCRLF { connection.abandonPut() }
                emit(Reply(error), after: 0)
            case .command(let command):
                let execution = connection.execute(command)
                switch execution.outcome {
                case .reply(let reply):
                    emit(reply, after: execution.durableAfter)
                case .wait:
                    mode = .waiting
                case .close:
                    closeAfterReplies()
                }
            }
            if output.readableBytes >= Self.flushThreshold { flush() }
        }
        if input.readableBytes == 0 {
            // Hand the read buffer back (NIO reuses it for the next read)
            // rather than keep it while the connection idles.
            input = Self.noInput
        } else if input.readerIndex > 65_536 {
            input.discardReadBytes()
        }
        if inputClosed {
            if mode == .waiting, let reply = connection.cancelWait() {
                mode = .running
                emit(reply, after: 0)
                scheduleResume()
                return
            }
            if mode == .running { closeAfterReplies() }
        }
        resumeReading()
    }

    /// Queues a reply; it leaves once `sequence` is durable and every earlier reply has left.
    private func emit(_ reply: Reply, after sequence: CommitSequence) {
        if held.isEmpty, connection?.isDurable(sequence) ?? true {
            reply.write(to: &output)
            return
        }
        let start = heldOutput.writerIndex
        reply.write(to: &heldOutput)
        held.append((sequence, heldOutput.writerIndex - start))
        if held.count == 1 { awaitDurable(sequence) }
    }

    private func awaitDurable(_ sequence: CommitSequence) {
        guard let durableAction else { return }
        connection?.whenDurable(sequence, durableAction)
    }

    /// Sends the held replies that are durable now; a reply whose change the
    /// store rejected becomes `INTERNAL_ERROR`.
    private func releaseHeld(rejected: RejectedSequences) {
        while let first = held.first, connection?.isDurable(first.sequence) ?? false {
            held.removeFirst()
            var bytes = heldOutput.readSlice(length: first.length)!
            if rejected.contains(first.sequence) {
                Reply.word(.internalError).write(to: &output)
            } else {
                output.writeBuffer(&bytes)
            }
        }
        if let next = held.first {
            awaitDurable(next.sequence)
            // A pipelining client can keep replies held behind every
            // commit: the replies sent go, or the buffer would keep them all.
            if heldOutput.readerIndex >= Self.flushThreshold { heldOutput.discardReadBytes() }
        } else if heldOutput.capacity > Self.flushThreshold {
            // A large reply held once keeps no buffer of its size.
            heldOutput = ByteBuffer()
        } else {
            heldOutput.clear()
        }
        flush()
        if mode == .closing, held.isEmpty { closeAfterReplies() }
        if mode == .running { scheduleResume() }
    }

    /// Writes the pending output. The buffer is taken before writing because a
    /// write can re-enter this handler (writability events fire inside it).
    private func flush() {
        guard let context, output.readableBytes > 0 else { return }
        let pending = output
        output = context.channel.allocator.buffer(capacity: 0)
        context.writeAndFlush(wrapOutboundOut(pending), promise: nil)
    }

    /// Closes the connection once every reply already owed has been written.
    private func closeAfterReplies() {
        mode = .closing
        guard held.isEmpty, let context else { return }
        let promise = context.eventLoop.makePromise(of: Void.self)
        let pending = output
        output = ByteBuffer()
        context.writeAndFlush(wrapOutboundOut(pending), promise: promise)
        let channel = context.channel
        promise.futureResult.whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    // MARK: EngineConnectionDelegate

    func connectionDidFinishWaiting(with reply: Reply, durableAfter: CommitSequence) {
        guard mode == .waiting else { return }
        mode = .running
        emit(reply, after: durableAfter)
        flush()
        scheduleResume()
    }

    /// Continues with buffered commands on a later turn of the loop, never
    /// inside the engine operation that woke this session.
    private func scheduleResume() {
        guard !resumeScheduled, input.readableBytes > 0 || inputClosed, let context else {
            resumeReading()
            return
        }
        resumeScheduled = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let handler = loopBound.value
            handler.resumeScheduled = false
            handler.processInput()
            handler.flush()
        }
    }
}
