import NIOCore
import SpoolCore
import XCTest

/// What one engine records, another restores: the records a store keeps are
/// enough to rebuild the queue after a restart.
final class EngineRestoreTests: XCTestCase {
    /// The durable image the store would hold after `records`: inserts,
    /// updates (keeping the body), deletes and the latest pause per tube.
    private func replay(_ records: [StoreRecord], nextJobID: JobID) -> RecoveredQueue {
        var jobs: [JobID: JobRecord] = [:]
        var pauses: [String: RecoveredQueue.Pause] = [:]
        for record in records {
            switch record {
            case .insert(let job): jobs[job.id] = job
            case .update(var job):
                job.body = jobs[job.id]?.body
                jobs[job.id] = job
            case .delete(let id): jobs[id] = nil
            case .pause(let tube, let untilWall, let duration):
                pauses[tube] = .init(tube: tube, untilWall: untilWall, duration: duration)
            }
        }
        return RecoveredQueue(
            jobs: jobs.values.sorted { $0.id < $1.id }, pauses: pauses.values.sorted { $0.tube < $1.tube }, nextJobID: nextJobID)
    }

    func testEveryStateComesBackWithItsPriorityTTRTubeAndCounters() {
        let before = Fixture()
        let producer = before.engine.openSession()
        let low = before.put(producer, "low", priority: 9)
        let high = before.put(producer, "high", priority: 1)
        let delayed = before.put(producer, "later", delay: 10)
        let reserved = before.put(producer, "held", priority: 5, ttr: 30)
        before.engine.use(producer, tube: "mail")
        let buried = before.put(producer, "bad", priority: 3)
        let deleted = before.put(producer, "gone", priority: 9)
        let worker = before.engine.openSession()
        _ = before.engine.watch(worker, tube: "mail")
        _ = before.engine.ignore(worker, tube: "default")
        XCTAssertEqual(before.reserveNow(worker), buried)
        XCTAssertTrue(before.engine.release(worker, id: buried, priority: 3, delay: 0))
        XCTAssertEqual(before.reserveNow(worker), buried)
        XCTAssertTrue(before.engine.bury(worker, id: buried, priority: 4))
        XCTAssertEqual(before.reserveNow(worker), deleted)
        XCTAssertTrue(before.engine.delete(worker, id: deleted))
        XCTAssertTrue(before.engine.pauseTube("mail", seconds: 100))
        let defaultWorker = before.engine.openSession()
        XCTAssertEqual(before.reserveNow(defaultWorker), high)
        XCTAssertTrue(before.engine.release(defaultWorker, id: high, priority: 1, delay: 0))
        XCTAssertEqual(before.reserveNow(defaultWorker), high)
        before.clock.advance(seconds: 4)

        let after = Fixture()
        after.clock.advance(seconds: 7)
        after.engine.restore(replay(before.store.records, nextJobID: deleted + 1))

        XCTAssertEqual(after.engine.jobStats(high)?.state, .ready, "a reserved job is ready again")
        XCTAssertEqual(after.engine.jobStats(high)?.counters.releases, 1)
        XCTAssertEqual(after.engine.jobStats(low)?.state, .ready)
        XCTAssertEqual(after.engine.jobStats(reserved)?.ttr, 30)
        XCTAssertEqual(after.engine.jobStats(delayed)?.state, .delayed)
        XCTAssertEqual(after.engine.jobStats(delayed)?.timeLeft, 3, "10 s delay, 7 s gone by on the wall clock")
        XCTAssertEqual(after.engine.jobStats(buried)?.state, .buried)
        XCTAssertEqual(after.engine.jobStats(buried)?.priority, 4)
        XCTAssertEqual(after.engine.jobStats(buried)?.counters.buries, 1)
        XCTAssertEqual(after.engine.jobStats(buried)?.counters.releases, 1)
        XCTAssertEqual(after.engine.jobStats(buried)?.tube, "mail")
        XCTAssertNil(after.engine.jobStats(deleted))
        XCTAssertEqual(after.engine.jobStats(low)?.age, 7, "age counts from the original put")
        XCTAssertEqual(after.engine.tubeStats("mail")?.pauseTimeLeft, 93)

        let session = after.engine.openSession()
        XCTAssertEqual(after.reserveNow(session), high, "priority order holds")
        XCTAssertEqual(after.reserveNow(session), reserved)
        XCTAssertEqual(after.reserveNow(session), low)
        XCTAssertNil(after.reserveNow(session))
        after.advance(seconds: 3)
        XCTAssertEqual(after.reserveNow(session), delayed, "the delay ends on time")
        XCTAssertEqual(after.put(session), deleted + 1, "ids never repeat")
    }

    func testExpiredPausesAndPausesOfEmptyTubesAreDropped() {
        let f = Fixture()
        f.engine.restore(RecoveredQueue(
            jobs: [JobRecord(id: 4, tube: "a", priority: 0, delay: 0, ttr: 1_000_000_000, state: .ready,
                             readyAtWall: 0, createdWall: f.clock.wallNanoseconds, counters: JobCounters(), body: ByteBuffer(string: "x"))],
            pauses: [.init(tube: "a", untilWall: f.clock.wallNanoseconds - 1, duration: 5),
                     .init(tube: "nobody", untilWall: f.clock.wallNanoseconds + 1_000_000_000_000, duration: 5)],
            nextJobID: 2))
        XCTAssertEqual(f.engine.tubeStats("a")?.pauseTimeLeft, 0)
        XCTAssertNil(f.engine.tubeStats("nobody"))
        XCTAssertEqual(f.store.records, [.pause(tube: "nobody", untilWall: 0, duration: 0)],
                       "the pause of a tube gone is ended in the store, which would carry it on")
        XCTAssertEqual(f.put(f.engine.openSession()), 5, "above the highest restored id")
    }

    /// A paused tube that nothing refers to any more is forgotten, and its
    /// pause ended in the store: a durable store carries running pauses into
    /// every new segment, and a client could pause thousands of tubes for
    /// 136 years each and let them go (found by review: 75,000 of them made
    /// every later record cost a 16 MB segment).
    func testForgettingAPausedTubeEndsItsPauseInTheStore() {
        let f = Fixture()
        let session = f.engine.openSession()
        f.engine.use(session, tube: "fleeting")
        XCTAssertTrue(f.engine.pauseTube("fleeting", seconds: .max))
        f.engine.use(session, tube: "default")
        XCTAssertNil(f.engine.tubeStats("fleeting"))
        XCTAssertEqual(f.store.records.last, .pause(tube: "fleeting", untilWall: 0, duration: 0))
    }
}
