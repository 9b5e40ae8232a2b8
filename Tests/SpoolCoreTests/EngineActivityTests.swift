import NIOCore
import XCTest

@testable import SpoolCore

/// The engine's per-tube activity for metrics: counts, wait and run times
/// on the injected clock, and the bound on observed tube names.
final class EngineActivityTests: XCTestCase {
    private func activity(_ f: Fixture, _ tube: String) -> TubeActivity? {
        f.engine.tubeActivity.first { $0.tube == tube }
    }

    func testWaitTimeRunsFromReadyToReserveAndRunTimeFromReserveToDelete() {
        let f = Fixture()
        let s = f.engine.openSession()
        let first = f.put(s)
        f.put(s, delay: 5)
        f.advance(seconds: 2)
        XCTAssertEqual(f.reserveNow(s), first)
        f.advance(seconds: 0.5)
        XCTAssertTrue(f.engine.delete(s, id: first))
        f.advance(seconds: 2.5)  // t = 5 s: the delayed job is ready
        f.advance(seconds: 1.5)
        let second = f.reserveNow(s)
        XCTAssertNotNil(second)

        let recorded = activity(f, "default")
        XCTAssertEqual(recorded?.puts, 2)
        XCTAssertEqual(recorded?.reserves, 2)
        XCTAssertEqual(recorded?.deletes, 1)
        XCTAssertEqual(recorded?.waitTime.count, 2)
        // 2 s for the first; 1.5 s for the delayed one (ready at 5 s, reserved at 6.5 s): its delay is not a wait.
        XCTAssertEqual(recorded?.waitTime.sum ?? 0, 3.5, accuracy: 1e-9)
        XCTAssertEqual(recorded?.runTime.count, 1)
        XCTAssertEqual(recorded?.runTime.sum ?? 0, 0.5, accuracy: 1e-9)
        XCTAssertEqual(recorded?.waitTime.bucketCounts[Histogram.jobDurationBounds.firstIndex(of: 5)!], 2, "both waits in the ≤5 s bucket")
    }

    func testADeleteByAnotherThanTheHolderOrOfAnUnreservedJobRecordsNoRunTime() {
        let f = Fixture()
        let s = f.engine.openSession()
        let id = f.put(s)
        XCTAssertTrue(f.engine.delete(s, id: id))
        XCTAssertEqual(activity(f, "default")?.deletes, 1)
        XCTAssertEqual(activity(f, "default")?.runTime.count, 0)
    }

    func testActivityOutlivesItsTubeAndNamesPastTheLimitShareOneSlot() {
        let f = Fixture()
        let s = f.engine.openSession()
        for index in 0..<(Engine.observedTubeLimit + 5) {
            f.engine.use(s, tube: "t\(index)")
            let id = f.put(s)
            XCTAssertTrue(f.engine.delete(s, id: id))
        }
        f.engine.use(s, tube: "default")
        XCTAssertNil(f.engine.tubeStats("t0"), "the tube itself is gone, as in beanstalkd")
        XCTAssertEqual(activity(f, "t0")?.puts, 1, "its counts stay")
        let named = f.engine.tubeActivity.filter { $0.tube != nil }
        XCTAssertEqual(named.count, Engine.observedTubeLimit, "bounded")
        let others = f.engine.tubeActivity.first { $0.tube == nil }
        // "default" took one of the named slots: the last six names share the other.
        XCTAssertEqual(others?.puts, 6)
    }
}
