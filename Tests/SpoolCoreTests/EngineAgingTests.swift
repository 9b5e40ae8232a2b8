import NIOCore
import SpoolCore
import XCTest

/// A tube's aging rule: a ready job that has waited long enough goes ahead of
/// every job that has waited less, whatever the priorities, so that a stream
/// of urgent jobs cannot starve it.
final class EngineAgingTests: XCTestCase {
    private let fiveSeconds: Int64 = 5_000_000_000

    /// A fixture whose session uses and watches only the tube `t`.
    private func tubeFixture() -> (Fixture, Session) {
        let f = Fixture()
        let s = f.engine.openSession()
        f.engine.use(s, tube: "t")
        _ = f.engine.watch(s, tube: "t")
        _ = f.engine.ignore(s, tube: "default")
        return (f, s)
    }

    /// Once a second for `seconds` seconds: puts an urgent job, reserves one
    /// job and deletes it. Returns the ids reserved.
    private func urgentStream(_ f: Fixture, _ s: Session, seconds: Int) -> [JobID?] {
        (0..<seconds).map { _ in
            f.advance(seconds: 1)
            f.put(s, "urgent", priority: 0)
            let id = f.reserveNow(s)
            if let id { XCTAssertTrue(f.engine.delete(s, id: id)) }
            return id
        }
    }

    func testWithoutAgingAStreamOfUrgentJobsStarvesALowPriorityOne() {
        let (f, s) = tubeFixture()
        let old = f.put(s, "old", priority: 5000)
        let taken = urgentStream(f, s, seconds: 20)
        XCTAssertFalse(taken.contains(old), "strict priority")
        XCTAssertEqual(f.engine.jobStats(old)?.state, .ready)
        XCTAssertEqual(f.engine.jobStats(old)?.age, 20)
    }

    func testWithAgingTheLowPriorityJobGoesAheadOnceItHasWaitedLongEnough() {
        let (f, s) = tubeFixture()
        f.engine.setAging(tubeNamed: "t", after: fiveSeconds)
        let old = f.put(s, "old", priority: 5000)
        let taken = urgentStream(f, s, seconds: 8)
        XCTAssertEqual(taken.firstIndex(of: old), 4, "taken at the fifth second, when it has waited exactly 5 s")
        XCTAssertEqual(taken.filter { $0 == old }.count, 1)
        XCTAssertNil(f.engine.jobStats(old))
        XCTAssertEqual(f.engine.stats.ready, 1, "one urgent job waits behind the old one")
    }

    func testAgedJobsGoFirstInTheOrderTheyBecameReadyWhateverTheirPriorities() {
        let (f, s) = tubeFixture()
        f.engine.setAging(tubeNamed: "t", after: 10_000_000_000)
        let a = f.put(s, priority: 100)
        f.advance(seconds: 1)
        let b = f.put(s, priority: 5)
        f.advance(seconds: 1)
        let c = f.put(s, priority: 50)
        f.advance(seconds: 10)
        let fresh = f.put(s, priority: 0)
        let young = f.put(s, priority: 1)
        XCTAssertEqual(f.engine.peek(tube: "t", .ready)?.id, a)
        XCTAssertEqual((0..<5).map { _ in f.reserveNow(s) }, [a, b, c, fresh, young])
    }

    func testAReleasedJobWaitsAfresh() {
        let (f, s) = tubeFixture()
        f.engine.setAging(tubeNamed: "t", after: fiveSeconds)
        let old = f.put(s, priority: 5000)
        f.advance(seconds: 5)
        XCTAssertEqual(f.reserveNow(s), old)
        XCTAssertTrue(f.engine.release(s, id: old, priority: 5000, delay: 0))
        let urgent = f.put(s, priority: 0)
        XCTAssertEqual(f.reserveNow(s), urgent)
    }

    func testADelayedJobWaitsFromWhenItBecameReady() {
        let (f, s) = tubeFixture()
        f.engine.setAging(tubeNamed: "t", after: fiveSeconds)
        let late = f.put(s, priority: 5000, delay: 10)
        f.advance(seconds: 10)
        XCTAssertEqual(f.engine.jobStats(late)?.state, .ready)
        f.advance(seconds: 4)
        let urgent = f.put(s, priority: 0)
        XCTAssertEqual(f.engine.peek(tube: "t", .ready)?.id, urgent, "ready for 4 s only")
        f.advance(seconds: 1)
        XCTAssertEqual(f.engine.peek(tube: "t", .ready)?.id, late)
    }

    func testPeekReadyFollowsTheRule() {
        let (f, s) = tubeFixture()
        f.engine.setAging(tubeNamed: "t", after: fiveSeconds)
        let old = f.put(s, priority: 5000)
        let urgent = f.put(s, priority: 0)
        XCTAssertEqual(f.engine.peek(s, .ready)?.id, urgent)
        f.clock.advance(nanoseconds: fiveSeconds - 1)
        XCTAssertEqual(f.engine.peek(s, .ready)?.id, urgent)
        f.clock.advance(nanoseconds: 1)
        XCTAssertEqual(f.engine.peek(s, .ready)?.id, old)
        XCTAssertEqual(f.engine.peek(tube: "t", .ready)?.id, old)
    }

    func testAWaitingReserveGetsTheAgedJobWhenThePauseEnds() {
        let (f, producer) = tubeFixture()
        f.engine.setAging(tubeNamed: "t", after: fiveSeconds)
        let old = f.put(producer, priority: 5000)
        XCTAssertTrue(f.engine.pauseTube("t", seconds: 10))
        f.advance(seconds: 9)
        let urgent = f.put(producer, priority: 0)
        let worker = f.engine.openSession()
        _ = f.engine.watch(worker, tube: "t")
        _ = f.engine.ignore(worker, tube: "default")
        let recorder = OutcomeRecorder()
        worker.delegate = recorder
        XCTAssertNil(f.engine.reserve(worker, timeout: nil), "the tube is paused")
        f.advance(seconds: 1)
        XCTAssertEqual(recorder.outcomes.map(\.jobID), [old])
        XCTAssertEqual(f.reserveNow(producer), urgent)
    }

    func testAWaitingReserveGetsTheAgedJobWhenProcessingStarts() {
        let (f, producer) = tubeFixture()
        f.engine.setAging(tubeNamed: "t", after: fiveSeconds)
        f.engine.stopProcessing()
        let old = f.put(producer, priority: 5000)
        f.advance(seconds: 6)
        f.put(producer, priority: 0)
        let recorder = OutcomeRecorder()
        producer.delegate = recorder
        XCTAssertNil(f.engine.reserve(producer, timeout: nil))
        f.engine.startProcessing()
        XCTAssertEqual(recorder.outcomes.map(\.jobID), [old])
    }

    func testTheRuleOutlivesItsTubeAndAppliesWhenTheTubeIsMadeAgain() {
        let f = Fixture()
        f.engine.setAging(tubeNamed: "t", after: fiveSeconds)
        XCTAssertNil(f.engine.tubeStats("t"), "a rule does not make the tube")
        let s = f.engine.openSession()
        f.engine.use(s, tube: "t")
        XCTAssertTrue(f.engine.delete(s, id: f.put(s)))
        f.engine.use(s, tube: "default")
        XCTAssertNil(f.engine.tubeStats("t"), "the tube was forgotten")

        f.engine.use(s, tube: "t")
        let old = f.put(s, priority: 5000)
        f.advance(seconds: 5)
        f.put(s, priority: 0)
        XCTAssertEqual(f.engine.peek(tube: "t", .ready)?.id, old)
    }

    func testARuleSetOnATubeWithReadyJobsCountsTheirWaitFromWhenTheyBecameReady() {
        let (f, s) = tubeFixture()
        let old = f.put(s, priority: 5000)
        f.advance(seconds: 1)
        f.engine.setAging(tubeNamed: "t", after: 60_000_000_000)
        let urgent = f.put(s, priority: 0)
        XCTAssertEqual(f.engine.peek(tube: "t", .ready)?.id, urgent, "the old job has waited 1 s, not since the clock's origin")
        f.advance(seconds: 59)
        XCTAssertEqual(f.engine.peek(tube: "t", .ready)?.id, old, "it has waited 60 s")
    }

    func testRemovingTheRuleRestoresStrictPriority() {
        let (f, s) = tubeFixture()
        f.engine.setAging(tubeNamed: "t", after: fiveSeconds)
        let old = f.put(s, priority: 5000)
        f.advance(seconds: 10)
        let urgent = f.put(s, priority: 0)
        XCTAssertEqual(f.engine.peek(tube: "t", .ready)?.id, old)
        f.engine.setAging(tubeNamed: "t", after: nil)
        XCTAssertEqual([f.reserveNow(s), f.reserveNow(s)], [urgent, old])
    }
}
