import NIOCore
import XCTest

@testable import SpoolCore

/// Collects the puts taken after they waited for room.
private final class PutRecorder: SessionDelegate {
    private(set) var taken: [JobID] = []

    func session(_ session: Session, didFinishWaiting outcome: ReserveOutcome) {}

    func session(_ session: Session, didFinishPut id: JobID, durableAfter: CommitSequence) {
        taken.append(id)
    }
}

/// Per-tube limits (`MaxJobs=`, `MaxBytes=`, `WhenFull=`) and the memory
/// ceiling: a full tube refuses puts or holds them until there is room.
final class EngineLimitsTests: XCTestCase {
    private func put(_ f: Fixture, _ session: Session, _ text: String) -> Engine.PutResult {
        f.engine.put(session, priority: 0, delay: 0, ttr: 60, body: ByteBuffer(string: text))
    }

    func testAFullTubeRefusesPutsByCountAndByBytesAndOthersStillTakeThem() {
        let f = Fixture()
        f.engine.setLimits(tubeNamed: "small", TubeLimits(maxJobs: 2))
        f.engine.setLimits(tubeNamed: "bytes", TubeLimits(maxBytes: 10))
        let s = f.engine.openSession()
        f.engine.use(s, tube: "small")
        XCTAssertEqual([put(f, s, "a"), put(f, s, "b"), put(f, s, "c")], [.inserted(1), .inserted(2), .full])
        f.engine.use(s, tube: "bytes")
        XCTAssertEqual([put(f, s, "12345"), put(f, s, "123456"), put(f, s, "12345")], [.inserted(4), .full, .inserted(6)])
        f.engine.use(s, tube: "default")
        XCTAssertEqual(put(f, s, "anything"), .inserted(7))
        let stats = f.engine.tubeStats("bytes")
        XCTAssertEqual(stats?.bytes, 10)
        XCTAssertEqual(stats?.limits, TubeLimits(maxBytes: 10))
        XCTAssertEqual(f.store.records.count, 5, "refused puts stage nothing")
    }

    func testAHeldPutIsTakenWhenAJobLeavesInArrivalOrder() {
        let f = Fixture()
        f.engine.setLimits(tubeNamed: "default", TubeLimits(maxJobs: 1, whenFull: .wait))
        let recorder = PutRecorder()
        let first = f.engine.openSession()
        let second = f.engine.openSession()
        let third = f.engine.openSession()
        [second, third].forEach { $0.delegate = recorder }
        XCTAssertEqual(put(f, first, "a"), .inserted(1))
        XCTAssertEqual(put(f, second, "b"), .waiting)
        XCTAssertEqual(put(f, third, "c"), .waiting)
        XCTAssertEqual(f.engine.tubeStats("default")?.waitingPuts, 2)
        XCTAssertEqual(f.reserveNow(first), 1)
        XCTAssertEqual(recorder.taken, [], "a reserved job still counts")
        XCTAssertTrue(f.engine.delete(first, id: 1))
        XCTAssertEqual(recorder.taken, [2], "the first held put, with the id it took when it arrived")
        XCTAssertEqual(f.reserveNow(first), 2)
        XCTAssertTrue(f.engine.delete(first, id: 2))
        XCTAssertEqual(recorder.taken, [2, 3])
        XCTAssertEqual(f.engine.jobStats(3)?.tube, "default")
    }

    func testAClosedConnectionsHeldPutIsDropped() {
        let f = Fixture()
        f.engine.setLimits(tubeNamed: "default", TubeLimits(maxJobs: 1, whenFull: .wait))
        let recorder = PutRecorder()
        let s = f.engine.openSession()
        let held = f.engine.openSession()
        held.delegate = recorder
        XCTAssertEqual(put(f, s, "a"), .inserted(1))
        XCTAssertEqual(put(f, held, "b"), .waiting)
        f.engine.closeSession(held)
        XCTAssertEqual(f.engine.tubeStats("default")?.waitingPuts, 0)
        XCTAssertTrue(f.engine.delete(s, id: 1))
        XCTAssertEqual(recorder.taken, [])
        XCTAssertEqual(f.engine.tubeStats("default")?.ready, 0, "nothing of the dropped put was applied")
    }

    func testABodyThatCouldNeverFitIsRefusedEvenWhenPutsWait() {
        let f = Fixture()
        f.engine.setLimits(tubeNamed: "default", TubeLimits(maxBytes: 4, whenFull: .wait))
        let s = f.engine.openSession()
        XCTAssertEqual(put(f, s, "12345"), .full)
    }

    func testRaisingALimitTakesTheHeldPutsThatFitNow() {
        let f = Fixture()
        f.engine.setLimits(tubeNamed: "default", TubeLimits(maxJobs: 0, whenFull: .wait))
        let recorder = PutRecorder()
        let s = f.engine.openSession()
        s.delegate = recorder
        XCTAssertEqual(put(f, s, "a"), .waiting)
        f.engine.setLimits(tubeNamed: "default", nil)
        XCTAssertEqual(recorder.taken, [1])
    }

    func testDefaultsApplyToEveryTubeWithoutItsOwnLimits() {
        let f = Fixture()
        f.engine.defaultLimits = TubeLimits(maxJobs: 1)
        f.engine.setLimits(tubeNamed: "big", TubeLimits(maxJobs: 3))
        let s = f.engine.openSession()
        f.engine.use(s, tube: "other")
        XCTAssertEqual([put(f, s, "a"), put(f, s, "b")], [.inserted(1), .full])
        f.engine.use(s, tube: "big")
        XCTAssertEqual([put(f, s, "a"), put(f, s, "b"), put(f, s, "c"), put(f, s, "d")], [.inserted(3), .inserted(4), .inserted(5), .full])
    }

    func testTheMemoryCeilingRefusesPutsUntilJobsLeave() {
        let f = Fixture()
        f.engine.memoryLimit = 2 * Engine.memoryPerJob + 10
        let s = f.engine.openSession()
        XCTAssertEqual([put(f, s, "12345"), put(f, s, "12345"), put(f, s, "1")], [.inserted(1), .inserted(2), .full])
        XCTAssertEqual(f.engine.accountedMemory, 2 * Engine.memoryPerJob + 10)
        XCTAssertTrue(f.engine.delete(s, id: 1))
        XCTAssertEqual(put(f, s, "1"), .inserted(4))
    }
}
