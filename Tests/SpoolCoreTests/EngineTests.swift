import NIOCore
import XCTest

@testable import SpoolCore

final class EngineTests: XCTestCase {
    func testPriorityOrderThenFIFO() {
        let f = Fixture()
        let s = f.engine.openSession()
        let a = f.put(s, priority: 5)
        let b = f.put(s, priority: 1)
        let c = f.put(s, priority: 5)
        let d = f.put(s, priority: 1)
        XCTAssertEqual([f.reserveNow(s), f.reserveNow(s), f.reserveNow(s), f.reserveNow(s)], [b, d, a, c])
        XCTAssertNil(f.reserveNow(s))
    }

    func testDelayedJobBecomesReadyWhenItsTimerFires() {
        let f = Fixture()
        let s = f.engine.openSession()
        let id = f.put(s, delay: 10)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .delayed)
        XCTAssertEqual(f.engine.nextDeadline, f.clock.now + 10_000_000_000)
        XCTAssertNil(f.reserveNow(s))
        f.advance(seconds: 9.9)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .delayed)
        XCTAssertEqual(f.engine.jobStats(id)?.timeLeft, 0, "time-left truncates like beanstalkd")
        f.advance(seconds: 0.1)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .ready)
        XCTAssertEqual(f.reserveNow(s), id)
    }

    func testTTRExpiryReleasesTheJob() {
        let f = Fixture()
        var events: [EngineEvent] = []
        f.engine.onEvent = { events.append($0) }
        let s = f.engine.openSession()
        let id = f.put(s, ttr: 3)
        XCTAssertEqual(f.reserveNow(s), id)
        XCTAssertEqual(f.engine.jobStats(id)?.timeLeft, 3)
        f.advance(seconds: 2.999)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .reserved)
        f.advance(seconds: 0.001)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .ready)
        XCTAssertEqual(f.engine.jobStats(id)?.counters.timeouts, 1)
        XCTAssertEqual(f.engine.stats.jobTimeouts, 1)
        XCTAssertEqual(events, [.reservationTimedOut(job: id, tube: "default")])
        XCTAssertFalse(f.engine.delete(f.engine.openSession(), id: id) == false)
    }

    func testZeroTTRBecomesOneSecond() {
        let f = Fixture()
        let s = f.engine.openSession()
        let id = f.put(s, ttr: 0)
        XCTAssertEqual(f.engine.jobStats(id)?.ttr, 1)
    }

    func testTouchRestartsTheTTR() {
        let f = Fixture()
        let s = f.engine.openSession()
        let id = f.put(s, ttr: 10)
        _ = f.reserveNow(s)
        f.advance(seconds: 8)
        XCTAssertTrue(f.engine.touch(s, id: id))
        f.advance(seconds: 8)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .reserved)
        f.advance(seconds: 2)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .ready)
        XCTAssertFalse(f.engine.touch(s, id: id), "not reserved any more")
    }

    func testDeadlineSoon() {
        let f = Fixture()
        let s = f.engine.openSession()
        _ = f.put(s, ttr: 5)
        _ = f.reserveNow(s)
        let recorder = OutcomeRecorder()
        s.delegate = recorder
        XCTAssertNil(f.engine.reserve(s, timeout: nil), "waits: the deadline is 5 s away")
        f.advance(seconds: 3.9)
        XCTAssertEqual(recorder.outcomes, [])
        f.advance(seconds: 0.1)
        XCTAssertEqual(recorder.outcomes, [.deadlineSoon], "woken 1 s before the TTR ends")
        XCTAssertEqual(f.engine.reserve(s, timeout: nil), .deadlineSoon, "asked again inside the margin")
    }

    /// DEADLINE_SOON follows the soonest of many reservations as they are
    /// touched, released and deleted (the session keeps them in a heap).
    func testDeadlineSoonFollowsTheSoonestOfManyReservations() {
        let f = Fixture()
        let s = f.engine.openSession()
        let ttrs: [UInt32] = [50, 5, 30, 20, 40]
        let ids = ttrs.map { f.put(s, ttr: $0) }
        for id in ids { XCTAssertEqual(f.reserveNow(s), id) }
        f.advance(seconds: 4)
        XCTAssertEqual(f.engine.reserve(s, timeout: 0), .deadlineSoon, "the 5 s one")
        XCTAssertTrue(f.engine.touch(s, id: ids[1]))
        XCTAssertEqual(f.engine.reserve(s, timeout: 0), .timedOut, "touched: 5 s away again")
        XCTAssertTrue(f.engine.release(s, id: ids[1], priority: 0, delay: 100))
        f.advance(seconds: 15.5)
        XCTAssertEqual(f.engine.reserve(s, timeout: 0), .deadlineSoon, "the 20 s one, 0.5 s away")
        XCTAssertTrue(f.engine.delete(s, id: ids[3]))
        XCTAssertEqual(f.engine.reserve(s, timeout: 0), .timedOut, "next: the 30 s one, 10.5 s away")
        f.advance(seconds: 10)
        XCTAssertEqual(f.engine.reserve(s, timeout: 0), .deadlineSoon, "the 30 s one")
        XCTAssertTrue(f.engine.hold(s, id: ids[2], for: 60 * 1_000_000_000))
        XCTAssertEqual(f.engine.reserve(s, timeout: 0), .timedOut, "held: the 40 s one is 10.5 s away")
    }

    func testDeadlineSoonYieldsToReadyJobs() {
        let f = Fixture()
        let s = f.engine.openSession()
        _ = f.put(s, ttr: 1)
        _ = f.reserveNow(s)
        let other = f.put(s)
        XCTAssertEqual(f.engine.reserve(s, timeout: nil)?.jobID, other)
    }

    func testReserveTimeout() {
        let f = Fixture()
        let s = f.engine.openSession()
        let recorder = OutcomeRecorder()
        s.delegate = recorder
        XCTAssertEqual(f.engine.reserve(s, timeout: 0), .timedOut)
        XCTAssertNil(f.engine.reserve(s, timeout: 2_000_000_000))
        XCTAssertEqual(f.engine.stats.waiting, 1)
        f.advance(seconds: 1.5)
        XCTAssertEqual(recorder.outcomes, [])
        f.advance(seconds: 0.5)
        XCTAssertEqual(recorder.outcomes, [.timedOut])
        XCTAssertEqual(f.engine.stats.waiting, 0)
    }

    func testWaitersAreServedInArrivalOrderAsSoonAsAJobIsReady() {
        let f = Fixture()
        let producer = f.engine.openSession()
        let recorders = (0..<3).map { _ in OutcomeRecorder() }
        let sessions = recorders.map { recorder -> Session in
            let session = f.engine.openSession()
            session.delegate = recorder
            XCTAssertNil(f.engine.reserve(session, timeout: nil))
            return session
        }
        XCTAssertEqual(f.engine.tubeStats("default")?.waiting, 3)
        let first = f.put(producer)
        let second = f.put(producer)
        XCTAssertEqual(recorders[0].outcomes.map(\.jobID), [first])
        XCTAssertEqual(recorders[1].outcomes.map(\.jobID), [second])
        XCTAssertEqual(recorders[2].outcomes, [])
        f.engine.closeSession(sessions[2])
        XCTAssertEqual(f.engine.stats.waiting, 0)
        f.put(producer)
        XCTAssertEqual(f.engine.stats.ready, 1, "a closed session is not served")
    }

    func testReserveAcrossWatchedTubesTakesTheMostUrgentJob() {
        let f = Fixture()
        let producer = f.engine.openSession()
        f.engine.use(producer, tube: "a")
        f.put(producer, priority: 10)
        f.engine.use(producer, tube: "b")
        let urgent = f.put(producer, priority: 2)
        let worker = f.engine.openSession()
        XCTAssertEqual(f.engine.watch(worker, tube: "a"), 2)
        XCTAssertEqual(f.engine.watch(worker, tube: "b"), 3)
        XCTAssertEqual(f.reserveNow(worker), urgent)
    }

    func testAWaiterOnSeveralTubesIsServedOnce() {
        let f = Fixture()
        let producer = f.engine.openSession()
        let worker = f.engine.openSession()
        let recorder = OutcomeRecorder()
        worker.delegate = recorder
        _ = f.engine.watch(worker, tube: "a")
        XCTAssertNil(f.engine.reserve(worker, timeout: nil))
        f.put(producer)
        f.engine.use(producer, tube: "a")
        f.put(producer)
        XCTAssertEqual(recorder.outcomes.count, 1)
        XCTAssertEqual(f.engine.stats.ready, 1)
        XCTAssertEqual(f.engine.tubeStats("a")?.waiting, 0)
    }

    func testPausedTubeHoldsItsJobsUntilThePauseEnds() {
        let f = Fixture()
        let producer = f.engine.openSession()
        let worker = f.engine.openSession()
        let recorder = OutcomeRecorder()
        worker.delegate = recorder
        let id = f.put(producer)
        XCTAssertTrue(f.engine.pauseTube("default", seconds: 5))
        XCTAssertFalse(f.engine.pauseTube("nope", seconds: 5))
        XCTAssertNil(f.engine.reserve(worker, timeout: nil))
        XCTAssertEqual(f.engine.tubeStats("default")?.pauseSeconds, 5)
        f.advance(seconds: 4.999)
        XCTAssertEqual(recorder.outcomes, [])
        XCTAssertEqual(f.engine.tubeStats("default")?.pauseTimeLeft, 0)
        f.advance(seconds: 0.001)
        XCTAssertEqual(recorder.outcomes.map(\.jobID), [id])
        XCTAssertEqual(f.engine.tubeStats("default")?.pauseSeconds, 0)
    }

    func testStoppedProcessingTakesPutsButHandsOutNothingUntilStarted() {
        let f = Fixture()
        let producer = f.engine.openSession()
        let waiter = f.engine.openSession()
        let recorder = OutcomeRecorder()
        waiter.delegate = recorder
        let first = f.put(producer)
        f.engine.stopProcessing()
        XCTAssertFalse(f.engine.isProcessing)
        let second = f.put(producer, priority: 5)
        XCTAssertNil(f.reserveNow(f.engine.openSession()), "nothing is handed out")
        XCTAssertNil(f.engine.reserve(waiter, timeout: nil), "a reserve waits")
        let third = f.put(producer)
        XCTAssertEqual(recorder.outcomes, [], "a put does not wake it")
        XCTAssertEqual(f.engine.reserveJob(f.engine.openSession(), id: third)?.id, third, "reserve-job names its job")
        f.engine.startProcessing()
        XCTAssertEqual(recorder.outcomes.map(\.jobID), [first], "the waiter is served at once")
        XCTAssertEqual(f.reserveNow(f.engine.openSession()), second)
    }

    func testZeroPauseEndsAPauseAsInBeanstalkd() {
        let f = Fixture()
        let s = f.engine.openSession()
        f.put(s)
        XCTAssertTrue(f.engine.pauseTube("default", seconds: 100))
        XCTAssertNil(f.reserveNow(s))
        XCTAssertTrue(f.engine.pauseTube("default", seconds: 0), "a pause of one nanosecond")
        f.clock.advance(nanoseconds: 1)
        XCTAssertEqual(f.engine.tubeStats("default")?.pauseSeconds, 0)
        XCTAssertNotNil(f.reserveNow(s), "an expired pause is over before its timer fires")
    }

    func testPurgeDeletesTheChosenStatesButNeverReservedJobs() {
        let f = Fixture()
        let s = f.engine.openSession()
        f.engine.use(s, tube: "t")
        _ = f.engine.watch(s, tube: "t")
        let ready = f.put(s)
        let delayed = f.put(s, delay: 60)
        let reserved = f.put(s, priority: 1)
        let buried = f.put(s, priority: 2)
        XCTAssertEqual(f.reserveNow(s), ready)
        XCTAssertTrue(f.engine.release(s, id: ready, priority: 0, delay: 0))
        XCTAssertEqual(f.reserveNow(s), ready)
        XCTAssertTrue(f.engine.bury(s, id: ready, priority: 0))
        XCTAssertEqual(f.reserveNow(s), reserved)
        XCTAssertNil(f.engine.purge(tubeNamed: "nope", states: [.buried]))
        XCTAssertEqual(f.engine.purge(tubeNamed: "t", states: [.buried]), 1)
        XCTAssertNil(f.engine.jobStats(ready))
        XCTAssertEqual(f.engine.purge(tubeNamed: "t", states: [.ready, .delayed, .buried, .reserved]), 2)
        XCTAssertNil(f.engine.jobStats(delayed))
        XCTAssertNil(f.engine.jobStats(buried))
        XCTAssertEqual(f.engine.jobStats(reserved)?.state, .reserved, "a reserved job belongs to its worker")
        XCTAssertEqual(f.store.records.suffix(3), [.delete(ready), .delete(delayed), .delete(buried)], "every purge is recorded")
        XCTAssertEqual(f.engine.tubeStats("t")?.deletes, 3)
    }

    func testBuryingTellsTheObserver() {
        let f = Fixture()
        var events: [EngineEvent] = []
        f.engine.onEvent = { events.append($0) }
        let s = f.engine.openSession()
        let id = f.put(s)
        XCTAssertEqual(f.reserveNow(s), id)
        XCTAssertTrue(f.engine.bury(s, id: id, priority: 0))
        XCTAssertEqual(events, [.jobBuried(job: id, tube: "default", reason: "buried by a client")])
    }

    func testBuryAndKick() {
        let f = Fixture()
        let s = f.engine.openSession()
        let ids = (0..<3).map { _ in f.put(s) }
        for id in ids {
            XCTAssertEqual(f.reserveNow(s), id)
            XCTAssertTrue(f.engine.bury(s, id: id, priority: 7))
        }
        let delayed = f.put(s, delay: 100)
        XCTAssertEqual(f.engine.peek(s, .buried)?.id, ids[0])
        XCTAssertEqual(f.engine.kick(s, bound: 2), 2, "buried jobs first")
        XCTAssertEqual(f.engine.jobStats(ids[0])?.state, .ready)
        XCTAssertEqual(f.engine.jobStats(ids[0])?.priority, 7)
        XCTAssertEqual(f.engine.jobStats(ids[2])?.state, .buried)
        XCTAssertEqual(f.engine.kick(s, bound: 5), 1)
        XCTAssertEqual(f.engine.kick(s, bound: 5), 1, "then delayed jobs")
        XCTAssertEqual(f.engine.jobStats(delayed)?.state, .ready)
        XCTAssertEqual(f.engine.kick(s, bound: 5), 0)
        XCTAssertEqual(f.engine.jobStats(ids[0])?.counters, {
            var c = JobCounters(); c.reserves = 1; c.buries = 1; c.kicks = 1; return c
        }())
    }

    func testKickJob() {
        let f = Fixture()
        let s = f.engine.openSession()
        let delayed = f.put(s, delay: 50)
        let ready = f.put(s)
        XCTAssertFalse(f.engine.kickJob(id: ready))
        XCTAssertTrue(f.engine.kickJob(id: delayed))
        XCTAssertEqual(f.engine.jobStats(delayed)?.state, .ready)
        XCTAssertFalse(f.engine.kickJob(id: 999))
    }

    func testReleaseWithDelayAndPriority() {
        let f = Fixture()
        let s = f.engine.openSession()
        let id = f.put(s, priority: 1)
        _ = f.reserveNow(s)
        let other = f.engine.openSession()
        XCTAssertFalse(f.engine.release(other, id: id, priority: 9, delay: 0), "only the reserver may release")
        XCTAssertFalse(f.engine.delete(other, id: id), "nor delete")
        XCTAssertFalse(f.engine.bury(other, id: id, priority: 0))
        XCTAssertTrue(f.engine.release(s, id: id, priority: 9, delay: 3))
        XCTAssertEqual(f.engine.jobStats(id)?.state, .delayed)
        XCTAssertEqual(f.engine.jobStats(id)?.delay, 3)
        f.advance(seconds: 3)
        XCTAssertEqual(f.engine.jobStats(id)?.priority, 9)
        XCTAssertEqual(f.engine.jobStats(id)?.state, .ready)
    }

    func testReserveJobFromEveryState() {
        let f = Fixture()
        let s = f.engine.openSession()
        let delayed = f.put(s, delay: 30)
        XCTAssertEqual(f.engine.reserveJob(s, id: delayed)?.id, delayed)
        XCTAssertNil(f.engine.reserveJob(s, id: delayed), "already reserved")
        XCTAssertTrue(f.engine.bury(s, id: delayed, priority: 0))
        XCTAssertEqual(f.engine.reserveJob(s, id: delayed)?.id, delayed)
        XCTAssertEqual(f.engine.jobStats(delayed)?.counters.reserves, 2)
        XCTAssertNil(f.engine.reserveJob(s, id: 12345))
    }

    func testDisconnectReleasesReservedJobs() {
        let f = Fixture()
        let worker = f.engine.openSession()
        let id = f.put(worker)
        _ = f.reserveNow(worker)
        let waiting = f.engine.openSession()
        let recorder = OutcomeRecorder()
        waiting.delegate = recorder
        XCTAssertNil(f.engine.reserve(waiting, timeout: nil))
        f.engine.closeSession(worker)
        XCTAssertEqual(recorder.outcomes.map(\.jobID), [id], "the released job goes straight to the waiter")
        XCTAssertEqual(f.engine.jobStats(id)?.counters.releases, 0)
        XCTAssertEqual(f.engine.stats.sessions, 1)
    }

    func testDeleteFromEveryState() {
        let f = Fixture()
        let s = f.engine.openSession()
        let ready = f.put(s)
        let delayed = f.put(s, delay: 5)
        XCTAssertTrue(f.engine.delete(s, id: ready))
        XCTAssertTrue(f.engine.delete(s, id: delayed))
        XCTAssertFalse(f.engine.delete(s, id: ready))
        XCTAssertEqual(f.engine.stats.ready + f.engine.stats.delayed, 0)
        XCTAssertNil(f.engine.nextDeadline)
        XCTAssertEqual(f.engine.tubeStats("default")?.deletes, 2)
    }

    /// A job whose insert the store rejected leaves memory from any state,
    /// reserved included, without a delete record; its tube goes when
    /// nothing else holds it; ids are not reused.
    func testARejectedInsertIsForgottenWhereverTheJobIs() {
        let f = Fixture()
        let s = f.engine.openSession()
        f.engine.use(s, tube: "a")
        let rejected = f.put(s)
        f.engine.use(s, tube: "default")
        let kept = f.put(s)
        XCTAssertEqual(f.engine.reserveJob(s, id: rejected)?.id, rejected)
        let staged = f.store.records.count
        f.store.rejectionHandler?(f.store.records[0])
        XCTAssertNil(f.engine.jobStats(rejected))
        XCTAssertNil(f.engine.tubeStats("a"), "nothing holds tube a any more")
        XCTAssertEqual(f.engine.stats.reserved, 0)
        XCTAssertEqual(f.engine.stats.ready, 1)
        XCTAssertEqual(f.store.records.count, staged, "nothing to delete on disk")
        XCTAssertFalse(f.engine.delete(s, id: rejected))
        XCTAssertEqual(f.reserveNow(s), kept)
        XCTAssertGreaterThan(f.put(s), kept)
    }

    func testTubesLiveWhileReferenced() {
        let f = Fixture()
        let s = f.engine.openSession()
        f.engine.use(s, tube: "a")
        _ = f.engine.watch(s, tube: "b")
        XCTAssertEqual(f.engine.tubeNames, ["default", "a", "b"])
        let id = f.put(s)
        f.engine.use(s, tube: "default")
        XCTAssertNotNil(f.engine.tubeStats("a"), "kept alive by its job")
        XCTAssertTrue(f.engine.delete(s, id: id))
        XCTAssertNil(f.engine.tubeStats("a"))
        XCTAssertEqual(f.engine.tubeNames, ["default", "b"], "removal swaps in the last tube")
        XCTAssertEqual(f.engine.ignore(s, tube: "b"), .watching(1))
        XCTAssertEqual(f.engine.ignore(s, tube: "default"), .notIgnored)
        XCTAssertEqual(f.engine.tubeNames, ["default"])
        f.engine.closeSession(s)
        XCTAssertEqual(f.engine.tubeNames, ["default"], "default always exists")
    }

    func testWatchListOrderFollowsBeanstalkd() {
        let f = Fixture()
        let s = f.engine.openSession()
        for name in ["a", "b", "c"] { _ = f.engine.watch(s, tube: name) }
        _ = f.engine.watch(s, tube: "a")
        XCTAssertEqual(f.engine.ignore(s, tube: "a"), .watching(3))
        XCTAssertEqual(s.watchedTubes, ["default", "c", "b"])
        XCTAssertEqual(f.engine.ignore(s, tube: "zzz"), .watching(3))
    }

    func testDrainingRefusesPuts() {
        let f = Fixture()
        let s = f.engine.openSession()
        f.engine.isDraining = true
        XCTAssertEqual(f.engine.put(s, priority: 0, delay: 0, ttr: 1, body: ByteBuffer()), .draining)
        XCTAssertEqual(f.engine.stats.totalJobs, 0)
        XCTAssertEqual(f.engine.stats.producers, 1)
    }

    func testUrgentCounts() {
        let f = Fixture()
        let s = f.engine.openSession()
        f.put(s, priority: 1023)
        f.put(s, priority: 1024)
        XCTAssertEqual(f.engine.stats.urgent, 1)
        XCTAssertEqual(f.engine.tubeStats("default")?.urgent, 1)
        _ = f.reserveNow(s)
        XCTAssertEqual(f.engine.stats.urgent, 0)
    }

    func testEveryAcknowledgedMutationIsStaged() {
        let f = Fixture()
        let s = f.engine.openSession()
        let id = f.put(s, priority: 3, delay: 0, ttr: 9)
        _ = f.reserveNow(s)
        XCTAssertEqual(f.store.records.count, 1, "a reserve is not recorded")
        XCTAssertTrue(f.engine.release(s, id: id, priority: 4, delay: 2))
        f.advance(seconds: 2)
        _ = f.reserveNow(s)
        XCTAssertTrue(f.engine.bury(s, id: id, priority: 5))
        XCTAssertEqual(f.engine.kick(s, bound: 1), 1)
        XCTAssertTrue(f.engine.pauseTube("default", seconds: 1))
        XCTAssertTrue(f.engine.delete(s, id: id))
        XCTAssertEqual(f.engine.stagedSequence, 6)
        guard case .insert(let inserted) = f.store.records[0], case .update(let released) = f.store.records[1],
            case .update(let buried) = f.store.records[2], case .update(let kicked) = f.store.records[3],
            case .pause(let tube, _, let duration) = f.store.records[4]
        else { return XCTFail("unexpected records \(f.store.records)") }
        XCTAssertEqual(inserted.body, ByteBuffer(string: "job"))
        XCTAssertEqual(inserted.ttr, 9_000_000_000)
        XCTAssertEqual(released.state, .delayed)
        XCTAssertEqual(released.readyAtWall, f.clock.wallNanoseconds)
        XCTAssertNil(released.body)
        XCTAssertEqual(buried.state, .buried)
        XCTAssertEqual(buried.priority, 5)
        XCTAssertEqual(kicked.state, .ready)
        XCTAssertEqual(kicked.counters.kicks, 1)
        XCTAssertEqual(tube, "default")
        XCTAssertEqual(duration, 1_000_000_000)
        XCTAssertEqual(f.store.records[5], .delete(id))
    }

    func testIdsNeverRepeat() {
        let f = Fixture()
        let s = f.engine.openSession()
        var seen = Set<JobID>()
        for _ in 0..<100 {
            let id = f.put(s)
            XCTAssertTrue(seen.insert(id).inserted)
            XCTAssertTrue(f.engine.delete(s, id: id))
        }
    }
}
