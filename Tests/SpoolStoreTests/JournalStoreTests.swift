import Foundation
import Logging
import NIOCore
import NIOPosix
import SpoolCore
import SpoolTestSupport
import XCTest

@testable import SpoolStore

/// The journal store on a real event loop, writer thread and state
/// directory: group commit, what comes back after a restart, bodies read
/// back, and space given back as jobs go.
final class JournalStoreTests: XCTestCase {
    func testRecordsStagedInOnePassShareOneCommitAndCallbacksRunInOrder() throws {
        let harness = try StoreHarness()
        let done = harness.loop.makePromise(of: [CommitSequence].self)
        try harness.onLoop { store in
            var fired: [CommitSequence] = []
            let sequences = (1...100).map { store.stage(.insert(storeJob(JobID($0)))) }
            XCTAssertEqual(sequences, Array(1...100))
            XCTAssertEqual(store.durableSequence, 0, "nothing is durable before the commit")
            for sequence in [50, 100, 1] as [CommitSequence] {
                store.whenDurable(sequence) { _ in
                    fired.append(sequence)
                    if fired.count == 3 { done.succeed(fired) }
                }
            }
        }
        XCTAssertEqual(try done.futureResult.wait(), [50, 100, 1], "all due at once, in registration order")
        XCTAssertEqual(try harness.onLoop { $0.commits }, 1, "one write, one fsync")
        XCTAssertEqual(try StoreHarness.reopen(harness).jobs.count, 100)
    }

    func testRecordsStagedOnceACommitIsDoneFormTheNextOne() throws {
        let harness = try StoreHarness()
        let done = harness.loop.makePromise(of: [CommitSequence].self)
        try harness.onLoop { store in
            let first = store.stage(.insert(storeJob(1)))
            store.whenDurable(first) { _ in
                _ = store.stage(.insert(storeJob(2)))
                let last = store.stage(.insert(storeJob(3)))
                XCTAssertEqual(store.durableSequence, first)
                store.whenDurable(last) { _ in done.succeed([first, last, store.durableSequence]) }
            }
        }
        XCTAssertEqual(try done.futureResult.wait(), [1, 3, 3])
        XCTAssertEqual(try harness.onLoop { $0.commits }, 2)
        try harness.close()
    }

    func testSmallCommitsRunOnTheLoopAndLargeOnesOnTheWriterThread() throws {
        // However slow this machine's disk: only the records decide here.
        let harness = try StoreHarness(placement: CommitPlacement(loopSecondsLimit: .infinity))
        for id in 1...3 { try harness.commit([.insert(storeJob(JobID(id)))]) }
        XCTAssertEqual(try harness.onLoop { $0.commitsOnLoop }, 3, "one record at a time: the loop commits")
        try harness.commit((4...40).map { .insert(storeJob(JobID($0))) })
        XCTAssertEqual(try harness.onLoop { $0.commitsOnLoop }, 4, "still on the loop: the store did not know yet")
        try harness.commit([.insert(storeJob(41))])
        XCTAssertEqual(try harness.onLoop { $0.commitsOnLoop }, 4, "after a commit of 37 records the writer thread commits")
        XCTAssertEqual(try harness.onLoop { $0.commits }, 5)
        XCTAssertEqual(try StoreHarness.reopen(harness).jobs.map(\.id), Array(1...41), "every commit is durable, wherever it ran")
    }

    /// Commits on the loop whatever this machine's disk (the pairing holds
    /// only there), and a wait for a consumer's change of `wait`.
    private func pairingHarness(wait: TimeAmount) throws -> StoreHarness {
        try StoreHarness(
            placement: CommitPlacement(loopSecondsLimit: .infinity), pairing: CommitPairing(shortestWait: wait, longestWait: wait))
    }

    func testAPutWaitsForTheConsumersNextChangeAndTheyShareACommit() throws {
        // A wait that cannot run out during the test: only a change ends it.
        let harness = try pairingHarness(wait: .seconds(30))
        try harness.commit([.insert(storeJob(1))])
        try harness.commit([.delete(1)])
        let put = try harness.onLoop { $0.stage(.insert(storeJob(2))) }
        // The loop ran a pass since: an unpaired put would be durable now.
        XCTAssertLessThan(try harness.onLoop { $0.durableSequence }, put, "the put waits: consumers are at work")
        let delete = try harness.onLoop { $0.stage(.delete(2)) }
        XCTAssertEqual(try harness.onLoop { $0.durableSequence }, delete, "the delete ended the wait: both committed in the next pass")
        XCTAssertEqual(try harness.onLoop { $0.commits }, 3, "the put and the delete shared one commit")
        try harness.close()
    }

    func testAPutAReserveWaitsForIsCommittedAtOnce() throws {
        let harness = try pairingHarness(wait: .seconds(30))
        try harness.commit([.insert(storeJob(1))])
        try harness.commit([.delete(1)])
        let put = try harness.onLoop { store in
            let put = store.stage(.insert(storeJob(2)))
            store.expedite()
            return put
        }
        XCTAssertEqual(try harness.onLoop { $0.durableSequence }, put, "committed in the pass that expedited it")
        try harness.close()
    }

    func testAPutThatNoChangeJoinsIsCommittedWhenTheWaitRunsOut() throws {
        let harness = try pairingHarness(wait: .milliseconds(250))
        try harness.commit([.insert(storeJob(1))])
        try harness.commit([.delete(1)])
        let put = try harness.onLoop { $0.stage(.insert(storeJob(2))) }
        XCTAssertLessThan(try harness.onLoop { $0.durableSequence }, put, "the put waits for a consumer's change")
        let durable = harness.loop.makePromise(of: Void.self)
        try harness.onLoop { $0.whenDurable(put) { _ in durable.succeed() } }
        try durable.futureResult.wait()
        XCTAssertEqual(try harness.onLoop { $0.commits }, 3)
        XCTAssertEqual(try StoreHarness.reopen(harness).jobs.map(\.id), [2])
    }

    /// A chunk of one small record, staged in a buffer made for many, is
    /// kept for reads in a buffer of its own size: the written chunks kept
    /// hold at most their limit of memory, not 20 times it.
    func testWrittenChunksKeptForReadsHoldLittleMoreThanTheirBytes() throws {
        let journal = Journal(directory: try TestScratch.temporaryDirectory().path)
        let chunks = 30_000
        for sequence in 1...chunks {
            let offset = UInt32((sequence - 1) * 200)
            _ = journal.append(at: 1, offset: offset, capacity: sequence == 1 ? 1 << 20 : nil, sequence: CommitSequence(sequence)) {
                $0.writeRepeatingByte(7, count: 200)
            }
            let taken = journal.takeChunks()
            try journal.write(taken, sync: false)
            journal.dropChunks(taken.count)
        }
        let kept = journal.recentBuffersCapacity
        XCTAssertGreaterThan(kept, Journal.recentBytesLimit / 2, "recent chunks are kept")
        XCTAssertLessThanOrEqual(kept, Journal.recentBytesLimit, "\(chunks) chunks of 200 bytes kept \(kept) bytes of memory")
    }

    /// A record that starts a segment is staged in one piece with the
    /// segment's header (``Journal`` asserts that every record is appended
    /// once, after the one before): staged apart, a commit on the writer
    /// thread that took the header alone counted the record, whose sequence
    /// number the header's chunk carried, as written, and its put was
    /// answered before it was (found by review). Records staged one pass
    /// at a time while the writer thread commits, across some sixty
    /// segments, all come back.
    func testRecordsThatStartSegmentsAreWrittenWithTheirHeaders() throws {
        let harness = try StoreHarness(segmentSize: 512, placement: CommitPlacement(loopSecondsLimit: 0))
        let body = String(repeating: "x", count: 100)
        for id in 1...300 {
            _ = try harness.onLoop { $0.stage(.insert(storeJob(JobID(id), body: body))) }
        }
        try harness.commit([.insert(storeJob(301, body: body))])
        XCTAssertGreaterThan(try harness.onLoop { $0.segments.count }, 50)
        XCTAssertEqual(try harness.onLoop { $0.commitsOnLoop }, 0, "the writer thread commits")
        XCTAssertEqual(try StoreHarness.reopen(harness).jobs.map(\.id), Array(1...301))
    }

    func testEveryKindOfRecordComesBack() throws {
        let harness = try StoreHarness()
        let reason = "exit status 1: can't open \"/srv/in\\box\"\n\tsecond line; attempt 2 of 2 ✓"
        let bodies = try harness.commit([
            .insert(storeJob(1)), .insert(storeJob(2, tube: "mail", body: "")), .insert(storeJob(3, state: .delayed)),
            .insert(storeJob(4, body: String(repeating: "z", count: 100_000))), .insert(storeJob(5)),
        ])
        try harness.commit([
            updateRecord(storeJob(1, state: .buried, attempts: 2, lastFailure: reason)),
            .delete(5),
            .pause(tube: "mail", untilWall: 1_900_000_000_000_000_000, duration: 60_000_000_000),
        ])
        try harness.commit([updateRecord(storeJob(3, state: .delayed, attempts: 4, lastFailure: "latest"))])
        let recovered = try StoreHarness.reopen(harness)
        XCTAssertEqual(recovered.jobs, [
            recoveredJob(storeJob(1, state: .buried, attempts: 2, lastFailure: reason), bodies[0]),
            recoveredJob(storeJob(2, tube: "mail", body: ""), bodies[1]),
            recoveredJob(storeJob(3, state: .delayed, attempts: 4, lastFailure: "latest"), bodies[2]),
            recoveredJob(storeJob(4), bodies[3]),
        ])
        XCTAssertEqual(recovered.pauses, [.init(tube: "mail", untilWall: 1_900_000_000_000_000_000, duration: 60_000_000_000)])
        XCTAssertEqual(recovered.nextJobID, 6)
    }

    func testBodiesAreReadBackBeforeAndAfterTheyAreWritten() throws {
        let harness = try StoreHarness()
        let big = String(repeating: "0123456789", count: 10_000)
        let staged = try harness.onLoop { store -> [String] in
            _ = store.stage(.insert(storeJob(1, body: "first")))
            let first = store.latestStoredBody!
            _ = store.stage(.insert(storeJob(2, body: big)))
            let second = store.latestStoredBody!
            XCTAssertEqual(store.durableSequence, 0)
            return [first, second].map { String(buffer: try! store.body($0)) }
        }
        XCTAssertEqual(staged, ["first", big], "read from the staged bytes")
        let bodies = try harness.commit([.insert(storeJob(3, body: "third"))])
        let written = try harness.onLoop { store in String(buffer: try! store.body(bodies[0]!)) }
        XCTAssertEqual(written, "third", "read from the file")
        try harness.close()
    }

    func testSegmentsEmptiedByDurableDeletesGoAndIDsNeverRepeat() throws {
        let harness = try StoreHarness(segmentSize: 4096)
        let bodies = try harness.commit((1...40).map { .insert(storeJob(JobID($0), body: String(repeating: "x", count: 200))) })
        XCTAssertGreaterThan(Set(bodies.map { $0!.segment }).count, 2, "the jobs fill several segments")
        try harness.commit((1...40).map { .delete(JobID($0)) })
        try harness.onLoop { store in bodies.forEach { store.release($0!) } }
        // Once the deletes are durable, the segments they emptied go.
        try harness.commit([.insert(storeJob(41, body: String(repeating: "x", count: 4000)))])
        XCTAssertFalse(try harness.onLoop { $0.segments }.contains(1))
        let recovered = try StoreHarness.reopen(harness)
        XCTAssertEqual(recovered.jobs.map(\.id), [41])
        XCTAssertEqual(recovered.nextJobID, 42)
    }

    /// A segment filled with updates alone (a job released again and again)
    /// holds no job: it goes once the segments before it are gone, rather
    /// than keeping every later one (found by review: 130,000 releases kept
    /// the journal growing until a restart).
    func testASegmentOfUpdatesAloneGoesToo() throws {
        let harness = try StoreHarness(segmentSize: 4096)
        let job = storeJob(1, body: "held")
        let bodies = try harness.commit([.insert(job)])
        try harness.commit((0..<200).map { _ in updateRecord(job) })
        XCTAssertGreaterThan(try harness.onLoop { $0.segments }.count, 3, "the updates fill segments of their own")
        try harness.commit([.delete(1)])
        try harness.onLoop { store in store.release(bodies[0]!) }
        try harness.commit([.insert(storeJob(2, body: "next"))])
        XCTAssertEqual(try harness.onLoop { $0.segments }.count, 1, "only the current segment is left")
        XCTAssertEqual(try StoreHarness.reopen(harness).jobs.map(\.id), [2])
    }

    /// A header full of running pauses (every new segment carries them)
    /// still leaves a segment's worth of room for records (found by review:
    /// with a header larger than a segment, every later record got a segment
    /// of its own; 75,000 pauses made that 16 MB a record).
    func testAHeaderFullOfPausesStillLeavesASegmentsWorthOfRoom() throws {
        let harness = try StoreHarness(segmentSize: 4096)
        let forever = Int64.max / 2
        try harness.commit((0..<100).map { .pause(tube: "tube-\($0)-" + String(repeating: "t", count: 100), untilWall: forever, duration: 1) })
        try harness.commit((1...40).map { .insert(storeJob(JobID($0), body: String(repeating: "x", count: 200))) })
        let segments = try harness.onLoop { $0.segments }.count
        XCTAssertLessThan(segments, 20, "several records a segment beside a 13 KB header, not one each (\(segments) segments)")
        let recovered = try StoreHarness.reopen(harness)
        XCTAssertEqual(recovered.jobs.count, 40)
        XCTAssertEqual(recovered.pauses.count, 100)
    }

    /// A queue of small jobs, all live, is not "mostly garbage": its oldest
    /// segment is never moved (found by review: bodies of 10 bytes made
    /// every segment look empty, and each move's commit started the next,
    /// rewriting the journal at 50 MiB/s while idle).
    func testSegmentsOfSmallLiveJobsAreNotMoved() throws {
        let harness = try StoreHarness(segmentSize: 4096)
        let loop = harness.loop
        let engine = try harness.onLoop { store in NIOLoopBound(Engine(clock: ManualClock(), store: store), eventLoop: loop) }
        for _ in 0..<5 {
            let done = harness.loop.makePromise(of: Void.self)
            try harness.onLoop { store in
                let session = engine.value.openSession()
                for _ in 0..<40 { _ = engine.value.put(session, priority: 1, delay: 0, ttr: 60, body: ByteBuffer(string: "tiny")) }
                store.whenDurable(engine.value.stagedSequence) { _ in done.succeed() }
                engine.value.closeSession(session)
            }
            try done.futureResult.wait()
        }
        let segments = try harness.onLoop { $0.segments }
        XCTAssertGreaterThanOrEqual(segments.count, 3, "enough segments for a move to be considered")
        XCTAssertEqual(segments.first, 1, "the oldest segment, all live, stays where it is")
        XCTAssertEqual(try StoreHarness.reopen(harness).jobs.count, 200)
    }

    /// A put/delete soak with one job that stays: the journal rolls over many
    /// segments, and deletes the old ones, moving the job that stays so that
    /// its segment can go too. The disk holds a few segments, not the soak.
    func testSpaceIsGivenBackAndALongLivedJobIsMovedOutOfTheWay() throws {
        let harness = try StoreHarness(segmentSize: 8192)
        let loop = harness.loop
        let engine = try harness.onLoop { store in NIOLoopBound(Engine(clock: ManualClock(), store: store), eventLoop: loop) }
        let keeper = try harness.onLoop { _ in
            let session = engine.value.openSession()
            guard case .inserted(let id) = engine.value.put(session, priority: 1, delay: 0, ttr: 60, body: ByteBuffer(string: "I stay")) else { return JobID(0) }
            return id
        }
        for round in 0..<50 {
            let done = harness.loop.makePromise(of: Void.self)
            try harness.onLoop { store in
                let session = engine.value.openSession()
                for _ in 0..<20 {
                    guard case .inserted(let id) = engine.value.put(session, priority: 1, delay: 0, ttr: 60, body: ByteBuffer(repeating: UInt8(round), count: 300)) else { return }
                    _ = engine.value.delete(session, id: id)
                }
                store.whenDurable(engine.value.stagedSequence) { _ in done.succeed() }
                engine.value.closeSession(session)
            }
            try done.futureResult.wait()
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: harness.path + "/journal").filter { $0.hasSuffix(".log") }
        XCTAssertLessThanOrEqual(files.count, 4, "\(files.sorted())")
        XCTAssertFalse(files.contains("00000001.log"), "the kept job moved out of the first segment")
        let body = try harness.onLoop { _ in engine.value.peek(id: keeper).map { String(buffer: $0.body) } }
        XCTAssertEqual(body, "I stay")
        let recovered = try StoreHarness.reopen(harness)
        XCTAssertEqual(recovered.jobs.map(\.id), [keeper])
    }

    /// A body larger than a segment gets a segment of its own, as large as it needs.
    func testABodyLargerThanASegmentGetsASegmentOfItsOwn() throws {
        let harness = try StoreHarness(segmentSize: 4096)
        let big = String(repeating: "B", count: 50_000)
        let bodies = try harness.commit([.insert(storeJob(1, body: "small")), .insert(storeJob(2, body: big)), .insert(storeJob(3, body: "after"))])
        XCTAssertEqual(bodies.map { $0!.segment }, [1, 2, 3])
        let read = try harness.onLoop { store in String(buffer: try! store.body(bodies[1]!)) }
        XCTAssertEqual(read, big)
        let recovered = try StoreHarness.reopen(harness)
        XCTAssertEqual(recovered.jobs.map(\.id), [1, 2, 3])
    }

    func testLittleSpaceMakesTheStoreFull() throws {
        let full = try StoreHarness(reservedBytes: .max)
        let healthy = try StoreHarness(reservedBytes: 0)
        try waitUntil { try full.onLoop { $0.condition } == .full }
        XCTAssertEqual(try healthy.onLoop { $0.condition }, .healthy)
        try full.close()
        try healthy.close()
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
