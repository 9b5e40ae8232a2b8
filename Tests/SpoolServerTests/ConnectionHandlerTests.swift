import Logging
import NIOCore
import NIOEmbedded
import SpoolCore
import XCTest

@testable import SpoolEngineHost
@testable import SpoolServer

/// A store whose commits happen only when the test says so.
private final class ManualCommitStore: JobStore {
    private(set) var staged: CommitSequence = 0
    private(set) var durableSequence: CommitSequence = 0
    private var waiting: [(CommitSequence, (RejectedSequences) -> Void)] = []
    private var records: [CommitSequence: StoreRecord] = [:]
    var condition = StoreCondition.healthy
    var rejectionHandler: ((StoreRecord) -> Void)?
    /// How many times the engine asked for what is staged without delay.
    private(set) var expedited = 0

    func expedite() {
        expedited += 1
    }

    func stage(_ record: StoreRecord) -> CommitSequence {
        staged += 1
        records[staged] = record
        return staged
    }

    func whenDurable(_ sequence: CommitSequence, _ action: @escaping (RejectedSequences) -> Void) {
        if sequence <= durableSequence { return action([]) }
        waiting.append((sequence, action))
    }

    /// Makes everything staged so far durable, except the records numbered
    /// in `rejected`, and runs the callbacks due, as a real store does.
    func commit(rejecting rejected: RejectedSequences = []) {
        for sequence in rejected.sorted() { records[sequence].map { rejectionHandler?($0) } }
        commit(upTo: staged, rejected: rejected)
    }

    /// Makes the records up to `sequence` durable (a commit that took what
    /// was staged before the later ones) and runs the callbacks due.
    func commit(upTo sequence: CommitSequence, rejected: RejectedSequences = []) {
        durableSequence = sequence
        records = records.filter { $0.key > sequence }
        let due = waiting.filter { $0.0 <= durableSequence }
        waiting.removeAll { $0.0 <= durableSequence }
        due.forEach { $0.1(rejected) }
    }
}

final class ConnectionHandlerTests: XCTestCase {
    private var loop: EmbeddedEventLoop!
    private var store: ManualCommitStore!
    private var host: LoopEngine!

    override func setUp() {
        loop = EmbeddedEventLoop()
        store = ManualCommitStore()
        host = LoopEngine(
            engine: Engine(clock: ManualClock(), store: store),
            configuration: HostConfiguration(maxJobSize: 100), eventLoop: loop, logger: Logger(label: "test"))
    }

    private func connect() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: ConnectionHandler(engine: host), loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    private func send(_ channel: EmbeddedChannel, _ text: String) throws {
        try channel.writeInbound(ByteBuffer(string: text))
        loop.run()
    }

    /// Everything the channel has written so far.
    private func received(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    func testAcknowledgementWaitsForTheCommit() throws {
        let channel = try connect()
        try send(channel, "put 0 0 5 2\r\nhi\r\n")
        XCTAssertEqual(try received(channel), "", "INSERTED must not leave before the record is durable")
        store.commit()
        XCTAssertEqual(try received(channel), "INSERTED 1\r\n")
    }

    /// A client whose next put always arrives before the commit of the
    /// previous one ends (a pipelining producer, commits on the writer
    /// thread) has a reply held at every moment; the buffer of held replies
    /// drops the replies sent rather than keep them all (found by review:
    /// it grew by every reply ever held, 16 bytes a put, without bound).
    func testHeldRepliesOfAClientThatNeverCatchesUpTakeBoundedMemory() throws {
        let channel = try connect()
        let handler = try channel.pipeline.syncOperations.handler(type: ConnectionHandler.self)
        try send(channel, "put 0 0 5 1\r\nx\r\n")
        for id in 1...20_000 {
            try send(channel, "put 0 0 5 1\r\nx\r\n")
            store.commit(upTo: CommitSequence(id))
            XCTAssertEqual(try received(channel), "INSERTED \(id)\r\n")
        }
        XCTAssertLessThanOrEqual(handler.heldBufferCapacity, 128 * 1024, "20,000 replies held, one at a time")
        store.commit()
        XCTAssertEqual(try received(channel), "INSERTED 20001\r\n")
    }

    /// A client that half-closes while its put is held for room is answered
    /// `OUT_OF_MEMORY` and its job is not put (found by review: the put
    /// stayed held and was put once room came, the connection left open).
    func testAHeldPutWhoseClientHalfClosesIsAnsweredAndNotPut() throws {
        host.setLimits(tubeNamed: "default", maxJobs: 1, maxBytes: nil, waitWhenFull: true)
        let first = try connect()
        let second = try connect()
        try send(first, "put 0 0 5 1\r\na\r\n")
        store.commit()
        XCTAssertEqual(try received(first), "INSERTED 1\r\n")
        try send(second, "put 0 0 5 1\r\nb\r\n")
        store.commit()
        XCTAssertEqual(try received(second), "", "held for room")
        second.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        loop.run()
        XCTAssertEqual(try received(second), "OUT_OF_MEMORY\r\n")
        try send(first, "delete 1\r\n")
        store.commit()
        try send(first, "stats-tube default\r\n")
        let stats = try received(first)
        XCTAssertTrue(stats.hasPrefix("DELETED\r\nOK "), stats)
        XCTAssertTrue(stats.contains("current-jobs-ready: 0\n"), stats)
        XCTAssertTrue(stats.contains("total-jobs: 1\n"), stats)
    }

    func testLaterRepliesQueueBehindAHeldOne() throws {
        let channel = try connect()
        try send(channel, "put 0 0 5 1\r\na\r\nlist-tube-used\r\nput 0 0 5 1\r\nb\r\n")
        XCTAssertEqual(try received(channel), "")
        store.commit()
        XCTAssertEqual(try received(channel), "INSERTED 1\r\nUSING default\r\nINSERTED 2\r\n")
        try send(channel, "list-tube-used\r\n")
        XCTAssertEqual(try received(channel), "USING default\r\n", "read-only replies need no commit")
    }

    /// A put whose record the store rejects is answered INTERNAL_ERROR, the
    /// job is forgotten, and the puts around it in the same commit keep theirs.
    func testRejectedPutIsAnsweredWithAnErrorAndTheOthersAreKept() throws {
        let channel = try connect()
        try send(channel, "put 0 0 5 1\r\na\r\nput 0 0 5 1\r\nb\r\nput 0 0 5 1\r\nc\r\n")
        store.commit(rejecting: [2])
        XCTAssertEqual(try received(channel), "INSERTED 1\r\nINTERNAL_ERROR\r\nINSERTED 3\r\n")
        try send(channel, "peek 2\r\nstats-tube default\r\n")
        let replies = try received(channel)
        XCTAssertTrue(replies.hasPrefix("NOT_FOUND\r\nOK "), replies)
        XCTAssertTrue(replies.contains("current-jobs-ready: 2\n"), replies)
        try send(channel, "reserve\r\n")
        XCTAssertEqual(try received(channel), "RESERVED 1 1\r\na\r\n")
    }

    func testWaitingReserveIsServedByAnotherConnectionsPut() throws {
        let worker = try connect()
        let producer = try connect()
        try send(worker, "reserve\r\nlist-tube-used\r\n")
        XCTAssertEqual(try received(worker), "")
        try send(producer, "put 0 0 5 3\r\nabc\r\n")
        XCTAssertEqual(try received(worker), "", "the job is handed out once its put is durable")
        XCTAssertEqual(store.expedited, 1, "a worker waits for the put: the store must not hold it back")
        store.commit()
        XCTAssertEqual(try received(worker), "RESERVED 1 3\r\nabc\r\nUSING default\r\n",
                       "the buffered command runs after the reply")
        XCTAssertEqual(try received(producer), "INSERTED 1\r\n")
    }

    func testAJobWhosePutIsNotDurableIsReservedAndPeekedOnceItIs() throws {
        let worker = try connect()
        let producer = try connect()
        try send(producer, "put 0 0 5 3\r\nabc\r\n")
        XCTAssertEqual(store.expedited, 0, "no one but the producer waits for the put yet")
        try send(worker, "peek-ready\r\nreserve\r\n")
        XCTAssertEqual(try received(worker), "")
        XCTAssertEqual(store.expedited, 2, "the peek and the reserve wait for the put")
        store.commit()
        XCTAssertEqual(try received(worker), "FOUND 1 3\r\nabc\r\nRESERVED 1 3\r\nabc\r\n")
        try send(worker, "delete 1\r\npeek 1\r\n")
        store.commit()
        XCTAssertEqual(try received(worker), "DELETED\r\nNOT_FOUND\r\n")
    }

    func testHalfCloseAnswersAWaitingReserveAndCloses() throws {
        let channel = try connect()
        try send(channel, "reserve-with-timeout 100\r\n")
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        loop.run()
        XCTAssertEqual(try received(channel), "TIMED_OUT\r\n")
        XCTAssertFalse(channel.isActive)
    }

    func testQuitClosesAfterEarlierReplies() throws {
        let channel = try connect()
        try send(channel, "use a\r\nquit\r\nuse b\r\n")
        XCTAssertEqual(try received(channel), "USING a\r\n")
        XCTAssertFalse(channel.isActive)
    }

    func testProtocolErrorsKeepTheConnectionUsable() throws {
        let channel = try connect()
        try send(channel, "put 0 0 5 101\r\n" + String(repeating: "x", count: 101) + "\r\nbogus\r\nput 0 0 5 1\r\nabc\r\nlist-tube-used\r\n")
        XCTAssertEqual(try received(channel), "JOB_TOO_BIG\r\nUNKNOWN_COMMAND\r\nEXPECTED_CRLF\r\nUNKNOWN_COMMAND\r\nUSING default\r\n",
                       "after EXPECTED_CRLF the rest of the bad body (an empty line here) is read as a command")
        XCTAssertTrue(channel.isActive)
    }

    func testDisconnectReleasesTheReservation() throws {
        let first = try connect()
        try send(first, "put 0 0 60 1\r\nx\r\nreserve\r\n")
        store.commit()
        XCTAssertEqual(try received(first), "INSERTED 1\r\nRESERVED 1 1\r\nx\r\n")
        _ = try first.finish()
        let second = try connect()
        try send(second, "reserve-with-timeout 0\r\n")
        XCTAssertEqual(try received(second), "RESERVED 1 1\r\nx\r\n")
    }
}
