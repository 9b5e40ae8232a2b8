import NIOCore
import SpoolCore
import XCTest

/// What a worker pool does with the jobs it takes: failed attempts are counted
/// and retried or buried with their reason, reservations held past the TTR,
/// and its sessions left out of the connection counts.
final class EngineFailureTests: XCTestCase {
    func testAFailureWithARetryDelaysTheJobToTheNanosecondAndCountsTheAttempt() {
        let f = Fixture()
        var events: [EngineEvent] = []
        f.engine.onEvent = { events.append($0) }
        let s = f.engine.openSession()
        let id = f.put(s, priority: 7)
        XCTAssertEqual(f.reserveNow(s), id)
        XCTAssertTrue(f.engine.fail(s, id: id, reason: "exit status 1", retryAfter: 1_500_000_001))
        let stats = f.engine.jobStats(id)
        XCTAssertEqual(stats?.state, .delayed)
        XCTAssertEqual(stats?.attempts, 1)
        XCTAssertEqual(stats?.lastFailure, "exit status 1")
        XCTAssertEqual(stats?.counters.releases, 1)
        XCTAssertEqual(stats?.counters.buries, 0)
        XCTAssertEqual(stats?.priority, 7, "the priority is kept")
        XCTAssertEqual(f.engine.nextDeadline, f.clock.now + 1_500_000_001)
        XCTAssertEqual(events, [.attemptRetried(job: id, tube: "default", reason: "exit status 1")], "a retry is told with its reason")
        f.advance(seconds: 1.5)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .delayed)
        f.clock.advance(nanoseconds: 1)
        f.engine.processTimers()
        XCTAssertEqual(f.engine.jobStats(id)?.state, .ready)
        XCTAssertEqual(f.reserveNow(s), id)
    }

    func testAFailureWithARetryStagesTheAttemptsAndTheReason() {
        let f = Fixture()
        let s = f.engine.openSession()
        let id = f.put(s)
        _ = f.reserveNow(s)
        XCTAssertTrue(f.engine.fail(s, id: id, reason: "timed out after 30 s", retryAfter: 2_000_000_000))
        XCTAssertEqual(f.store.records.count, 2)
        guard case .update(let record)? = f.store.records.last else { return XCTFail("\(f.store.records)") }
        XCTAssertEqual(record.state, .delayed)
        XCTAssertEqual(record.attempts, 1)
        XCTAssertEqual(record.lastFailure, "timed out after 30 s")
        XCTAssertEqual(record.readyAtWall, f.clock.wallNanoseconds + 2_000_000_000)
        XCTAssertEqual(record.delay, 2_000_000_000)
        XCTAssertNil(record.body)
        XCTAssertEqual(f.engine.stagedSequence, 2)
    }

    func testAFailureWithoutARetryBuriesTheJobWithItsReason() {
        let f = Fixture()
        var events: [EngineEvent] = []
        f.engine.onEvent = { events.append($0) }
        let s = f.engine.openSession()
        f.engine.use(s, tube: "mail")
        _ = f.engine.watch(s, tube: "mail")
        let id = f.put(s)
        XCTAssertEqual(f.reserveNow(s), id)
        XCTAssertTrue(f.engine.fail(s, id: id, reason: "exit status 3; attempt 1 of 1", retryAfter: nil))
        XCTAssertEqual(f.engine.jobStats(id)?.state, .buried)
        XCTAssertEqual(f.engine.jobStats(id)?.counters.buries, 1)
        XCTAssertEqual(f.engine.jobStats(id)?.counters.releases, 0)
        XCTAssertEqual(f.engine.stats.buried, 1)
        XCTAssertEqual(events, [.jobBuried(job: id, tube: "mail", reason: "exit status 3; attempt 1 of 1")])
        guard case .update(let record)? = f.store.records.last else { return XCTFail("\(f.store.records)") }
        XCTAssertEqual(record.state, .buried)
        XCTAssertEqual(record.attempts, 1)
        XCTAssertEqual(record.lastFailure, "exit status 3; attempt 1 of 1")
    }

    func testAttemptsAddUpAndTheLatestReasonIsKept() {
        let f = Fixture()
        let s = f.engine.openSession()
        let id = f.put(s)
        for (number, retryAfter) in [(1, Int64(0)), (2, -5)] {
            XCTAssertEqual(f.reserveNow(s), id)
            XCTAssertTrue(f.engine.fail(s, id: id, reason: "failure \(number)", retryAfter: retryAfter))
            XCTAssertEqual(f.engine.jobStats(id)?.state, .ready, "no delay (a negative one counts as none)")
        }
        XCTAssertEqual(f.reserveNow(s), id)
        XCTAssertTrue(f.engine.fail(s, id: id, reason: "failure 3", retryAfter: nil))
        XCTAssertEqual(f.engine.jobStats(id)?.attempts, 3)
        XCTAssertEqual(f.engine.jobStats(id)?.lastFailure, "failure 3")
        XCTAssertEqual(f.engine.jobStats(id)?.counters.releases, 2)
        XCTAssertEqual(f.engine.jobStats(id)?.counters.reserves, 3)
    }

    func testOnlyTheReserverCanFailAJob() {
        let f = Fixture()
        let s = f.engine.openSession()
        let other = f.engine.openSession()
        let held = f.put(s)
        let waiting = f.put(s)
        XCTAssertEqual(f.reserveNow(s), held)
        XCTAssertFalse(f.engine.fail(other, id: held, reason: "no", retryAfter: nil))
        XCTAssertFalse(f.engine.fail(s, id: waiting, reason: "not reserved", retryAfter: 0))
        XCTAssertFalse(f.engine.fail(s, id: 999, reason: "no such job", retryAfter: nil))
        XCTAssertEqual(f.engine.jobStats(held)?.state, .reserved)
        XCTAssertEqual(f.engine.jobStats(held)?.attempts, 0)
        XCTAssertNil(f.engine.jobStats(held)?.lastFailure)
        XCTAssertEqual(f.engine.jobStats(waiting)?.state, .ready)
        XCTAssertEqual(f.engine.jobStats(waiting)?.attempts, 0)
        XCTAssertEqual(f.store.records.count, 2, "only the puts were staged")
    }

    func testAKickResetsTheAttemptsButKeepsTheReason() {
        let f = Fixture()
        let s = f.engine.openSession()
        let buried = f.put(s, priority: 1)
        let delayed = f.put(s, priority: 2)
        XCTAssertEqual(f.reserveNow(s), buried)
        XCTAssertTrue(f.engine.fail(s, id: buried, reason: "gave up", retryAfter: nil))
        XCTAssertEqual(f.reserveNow(s), delayed)
        XCTAssertTrue(f.engine.fail(s, id: delayed, reason: "later", retryAfter: 60_000_000_000))

        XCTAssertEqual(f.engine.kick(s, bound: 1), 1)
        XCTAssertEqual(f.engine.jobStats(buried)?.attempts, 0)
        XCTAssertEqual(f.engine.jobStats(buried)?.lastFailure, "gave up")
        guard case .update(let record)? = f.store.records.last else { return XCTFail("\(f.store.records)") }
        XCTAssertEqual(record.attempts, 0, "the reset is staged")
        XCTAssertEqual(record.state, .ready)

        XCTAssertTrue(f.engine.kickJob(id: delayed))
        XCTAssertEqual(f.engine.jobStats(delayed)?.state, .ready)
        XCTAssertEqual(f.engine.jobStats(delayed)?.attempts, 0)
    }

    func testAHoldOutlastsTheTTR() {
        let f = Fixture()
        let s = f.engine.openSession()
        let id = f.put(s, ttr: 5)
        XCTAssertEqual(f.reserveNow(s), id)
        XCTAssertFalse(f.engine.hold(f.engine.openSession(), id: id, for: 100_000_000_000), "not the reserver")
        XCTAssertTrue(f.engine.hold(s, id: id, for: 100_000_000_000))
        XCTAssertEqual(f.engine.jobStats(id)?.timeLeft, 100)
        XCTAssertEqual(f.engine.nextDeadline, f.clock.now + 100_000_000_000)
        f.advance(seconds: 99.999)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .reserved, "held well past its 5 s TTR")
        f.advance(seconds: 0.001)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .ready)
        XCTAssertEqual(f.engine.jobStats(id)?.counters.timeouts, 1)
        XCTAssertFalse(f.engine.hold(s, id: id, for: 1), "no longer reserved")
    }

    /// Spans past the end of the clock (a hostile queue file's) hold or
    /// delay the job forever instead of overflowing, which crashed spoold.
    func testAHoldOrARetryPastTheEndOfTimeDoesNotOverflow() {
        let f = Fixture()
        let s = f.engine.openSession()
        let id = f.put(s)
        XCTAssertEqual(f.reserveNow(s), id)
        XCTAssertTrue(f.engine.hold(s, id: id, for: .max))
        XCTAssertTrue(f.engine.fail(s, id: id, reason: "again", retryAfter: .max))
        XCTAssertEqual(f.engine.jobStats(id)?.state, .delayed)
        f.advance(seconds: 1_000_000)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .delayed)
    }

    func testAHoldCanAlsoBeShorterThanTheTTR() {
        let f = Fixture()
        let s = f.engine.openSession()
        let id = f.put(s, ttr: 60)
        _ = f.reserveNow(s)
        XCTAssertTrue(f.engine.hold(s, id: id, for: 2_000_000_000))
        f.advance(seconds: 2)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .ready)
    }

    func testInternalSessionsAreNotCountedAsConnectionsProducersOrWorkers() {
        let f = Fixture()
        let client = f.engine.openSession()
        let poolWorker = f.engine.openSession(isInternal: true)
        let id = f.put(poolWorker)
        XCTAssertEqual(f.reserveNow(poolWorker), id)
        var stats = f.engine.stats
        XCTAssertEqual(stats.sessions, 1)
        XCTAssertEqual(stats.totalSessions, 1)
        XCTAssertEqual(stats.producers, 0)
        XCTAssertEqual(stats.workers, 0)
        XCTAssertEqual(f.engine.tubeStats("default")?.watching, 2, "a tube's watchers include the pool's")

        f.put(client)
        XCTAssertNotNil(f.reserveNow(client))
        f.engine.closeSession(poolWorker)
        stats = f.engine.stats
        XCTAssertEqual(stats.sessions, 1, "closing an internal session leaves the count alone")
        XCTAssertEqual(stats.totalSessions, 1)
        XCTAssertEqual(stats.producers, 1)
        XCTAssertEqual(stats.workers, 1)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .ready, "its reservation was released")
        f.engine.closeSession(client)
        XCTAssertEqual(f.engine.stats.sessions, 0)
        XCTAssertEqual(f.engine.stats.producers, 0)
        XCTAssertEqual(f.engine.stats.workers, 0)
    }

    func testAnInternalSessionWaitingInReserveIsNotCountedAsWaiting() {
        let f = Fixture()
        let client = f.engine.openSession()
        let poolWorker = f.engine.openSession(isInternal: true)
        XCTAssertNil(f.engine.reserve(poolWorker, timeout: nil), "the pool worker waits")
        XCTAssertNil(f.engine.reserve(client, timeout: nil), "the client waits")
        XCTAssertEqual(f.engine.stats.waiting, 1, "only the client counts in current-waiting")
        XCTAssertEqual(f.engine.tubeStats("default")?.waiting, 2, "a tube's waiters include the pool's")
        _ = f.engine.cancelWait(poolWorker)
        _ = f.engine.cancelWait(client)
        XCTAssertEqual(f.engine.stats.waiting, 0)
    }
}
