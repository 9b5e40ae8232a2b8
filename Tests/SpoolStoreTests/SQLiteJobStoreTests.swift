import Logging
import NIOCore
import NIOPosix
import SpoolCore
import XCTest

@testable import SpoolStore

/// The store on a real event loop and writer thread: group commit, ordering of
/// durability callbacks, and the space check.
final class SQLiteJobStoreTests: XCTestCase {
    private var group: MultiThreadedEventLoopGroup!
    private var loop: EventLoop!

    override func setUp() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
    }

    override func tearDown() {
        try? group.syncShutdownGracefully()
    }

    private func makeStore(reservedBytes: Int64 = 0) throws -> (NIOLoopBound<SQLiteJobStore>, StoreDatabase) {
        let (database, _) = try StoreDatabase.open(directory: try makeTemporaryDirectory(), mode: .always)
        let loop = self.loop!
        let store = try loop.submit {
            NIOLoopBound(SQLiteJobStore(database: database, reservedBytes: reservedBytes, eventLoop: loop, logger: Logger(label: "test")), eventLoop: loop)
        }.wait()
        return (store, database)
    }

    private static func insert(_ id: JobID) -> StoreRecord {
        .insert(JobRecord(
            id: id, tube: "default", priority: 0, delay: 0, ttr: 1_000_000_000, state: .ready,
            readyAtWall: 0, createdWall: 0, counters: JobCounters(), body: ByteBuffer(string: "x")))
    }

    func testRecordsStagedInOnePassShareOneCommitAndCallbacksRunInOrder() throws {
        let (store, database) = try makeStore()
        let done = loop.makePromise(of: [CommitSequence].self)
        try loop.submit {
            var fired: [CommitSequence] = []
            let sequences = (1...100).map { store.value.stage(Self.insert(JobID($0))) }
            XCTAssertEqual(sequences, Array(1...100))
            XCTAssertEqual(store.value.durableSequence, 0, "nothing is durable before the commit")
            for sequence in [50, 100, 1] as [CommitSequence] {
                store.value.whenDurable(sequence) { _ in
                    fired.append(sequence)
                    if fired.count == 3 { done.succeed(fired) }
                }
            }
        }.wait()
        XCTAssertEqual(try done.futureResult.wait(), [50, 100, 1], "all due at once, in registration order")
        let (commits, written, durable) = try loop.submit {
            (store.value.commits, store.value.recordsWritten, store.value.durableSequence)
        }.wait()
        XCTAssertEqual(commits, 1, "one transaction, one fsync")
        XCTAssertEqual(written, 100)
        XCTAssertEqual(durable, 100)
        try database.writer.syncShutdownGracefully()
        XCTAssertEqual(try database.database.recover().jobs.count, 100)
    }

    func testRecordsStagedDuringACommitFormTheNextBatch() throws {
        let (store, _) = try makeStore()
        let loop = self.loop!
        let done = loop.makePromise(of: Void.self)
        try loop.submit {
            _ = store.value.stage(Self.insert(1))
            // The first commit is in flight from the next pass on; these two wait for it.
            loop.execute {
                _ = store.value.stage(Self.insert(2))
                let last = store.value.stage(Self.insert(3))
                store.value.whenDurable(last) { _ in done.succeed() }
            }
        }.wait()
        try done.futureResult.wait()
        let commits = try loop.submit { store.value.commits }.wait()
        XCTAssertEqual(commits, 2)
    }

    /// A record SQLite refuses (here a second insert of a stored id, against
    /// the primary key) is left out of its batch: the records around it
    /// commit, the waiting replies learn its sequence number, the handler
    /// is told, and the store stays healthy for the next batch.
    func testARecordThatCannotCommitIsDroppedAndTheRestOfItsBatchCommits() throws {
        let (store, database) = try makeStore()
        let loop = self.loop!
        let first = loop.makePromise(of: Void.self)
        try loop.submit {
            store.value.whenDurable(store.value.stage(Self.insert(1))) { _ in first.succeed() }
        }.wait()
        try first.futureResult.wait()

        let done = loop.makePromise(of: (RejectedSequences, [StoreRecord]).self)
        try loop.submit {
            var told: [StoreRecord] = []
            store.value.rejectionHandler = { told.append($0) }
            _ = store.value.stage(Self.insert(2))
            _ = store.value.stage(Self.insert(1))
            let last = store.value.stage(Self.insert(3))
            store.value.whenDurable(last) { rejected in done.succeed((rejected, told)) }
        }.wait()
        let (rejected, told) = try done.futureResult.wait()
        XCTAssertEqual(rejected, [3], "the duplicate insert, sequence 3")
        XCTAssertEqual(told, [Self.insert(1)])
        let after = loop.makePromise(of: StoreCondition.self)
        try loop.submit {
            store.value.whenDurable(store.value.stage(Self.insert(4))) { rejected in
                XCTAssertEqual(rejected, [])
                after.succeed(store.value.condition)
            }
        }.wait()
        XCTAssertEqual(try after.futureResult.wait(), .healthy)
        XCTAssertEqual(try loop.submit { store.value.recordsWritten }.wait(), 4)
        try database.writer.syncShutdownGracefully()
        XCTAssertEqual(try database.database.recover().jobs.map(\.id), [1, 2, 3, 4])
    }

    func testLittleSpaceMakesTheStoreFull() throws {
        let (full, _) = try makeStore(reservedBytes: .max)
        let (healthy, _) = try makeStore(reservedBytes: 0)
        try waitUntil { try self.loop.submit { full.value.condition }.wait() == .full }
        XCTAssertEqual(try loop.submit { healthy.value.condition }.wait(), .healthy)
    }

    /// Polls `condition` every 10 ms; fails after 10 seconds.
    private func waitUntil(_ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(10)
        while try !condition() {
            guard Date() < deadline else { return XCTFail("condition not met in 10 s") }
            usleep(10_000)
        }
    }
}
