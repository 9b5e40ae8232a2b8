import Foundation
import Systemd
import XCTest

final class NotifyStateTests: XCTestCase {
    func testAssignmentsOfEveryState() {
        XCTAssertEqual(NotifyState.ready.assignments, ["READY=1"])
        XCTAssertEqual(
            NotifyState.reloading(monotonicMicroseconds: 1_234).assignments,
            ["RELOADING=1", "MONOTONIC_USEC=1234"]
        )
        XCTAssertEqual(NotifyState.stopping.assignments, ["STOPPING=1"])
        XCTAssertEqual(NotifyState.status("3 jobs ready").assignments, ["STATUS=3 jobs ready"])
        XCTAssertEqual(NotifyState.watchdog.assignments, ["WATCHDOG=1"])
        XCTAssertEqual(NotifyState.watchdogTrigger.assignments, ["WATCHDOG=trigger"])
        XCTAssertEqual(NotifyState.extendTimeout(microseconds: 5_000_000).assignments, ["EXTEND_TIMEOUT_USEC=5000000"])
        XCTAssertEqual(NotifyState.mainPID(4_242).assignments, ["MAINPID=4242"])
        XCTAssertEqual(NotifyState.errno(ENOENT).assignments, ["ERRNO=2"])
        XCTAssertEqual(NotifyState.fdStore(name: "queue").assignments, ["FDSTORE=1", "FDNAME=queue"])
    }

    func testLineBreaksAndNULCannotInjectAssignments() {
        XCTAssertEqual(NotifyState.status("half\nREADY=1").assignments, ["STATUS=half READY=1"])
        XCTAssertEqual(NotifyState.status("a\r\nb\rc\0d").assignments, ["STATUS=a b c d"])
        XCTAssertEqual(NotifyState.fdStore(name: "x\nMAINPID=1").assignments, ["FDSTORE=1", "FDNAME=x MAINPID=1"])
    }

    func testReloadingNowUsesTheMonotonicClock() throws {
        func monotonicMicroseconds() -> UInt64 {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        }
        let before = monotonicMicroseconds()
        let state = NotifyState.reloadingNow()
        let after = monotonicMicroseconds()
        guard case .reloading(let stamp) = state else { return XCTFail("\(state)") }
        XCTAssertTrue((before...after).contains(stamp), "\(before) ≤ \(stamp) ≤ \(after)")
    }
}
