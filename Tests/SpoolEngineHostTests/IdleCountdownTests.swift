import SpoolEngineHost
import XCTest

/// `--exit-when-idle`'s count: whole seconds of idleness, ticks one second apart.
final class IdleCountdownTests: XCTestCase {
    func testTheFirstIdleTickStartsTheCountAndDoesNotEndIt() {
        var countdown = IdleCountdown(limit: 1)
        XCTAssertFalse(countdown.tick(isIdle: true), "the tick at start, before the first client is accepted")
        XCTAssertTrue(countdown.tick(isIdle: true), "idle at both ends of a whole second")
        XCTAssertFalse(countdown.tick(isIdle: true), "reported once")
    }

    func testAnyBusyTickStartsTheCountAgain() {
        var countdown = IdleCountdown(limit: 3)
        let ticks = [true, true, true, false, true, true, true, true].map { countdown.tick(isIdle: $0) }
        XCTAssertEqual(ticks, [false, false, false, false, false, false, false, true])
    }

    func testALimitOfZeroNeverEnds() {
        var countdown = IdleCountdown(limit: 0)
        XCTAssertFalse((0..<10).contains { _ in countdown.tick(isIdle: true) })
    }
}
