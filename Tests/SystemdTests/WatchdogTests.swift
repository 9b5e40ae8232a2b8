import Foundation
import Systemd
import XCTest

final class WatchdogTests: XCTestCase {
    override func setUp() {
        TestEnvironment.restoreAfter(self, "WATCHDOG_USEC", "WATCHDOG_PID")
        unsetenv("WATCHDOG_USEC")
        unsetenv("WATCHDOG_PID")
    }

    func testDisabledWithoutWatchdogUsec() throws {
        XCTAssertNil(try Watchdog.interval())
    }

    func testIntervalForThisProcess() throws {
        setenv("WATCHDOG_USEC", "2500000", 1)
        setenv("WATCHDOG_PID", "\(getpid())", 1)
        XCTAssertEqual(try Watchdog.interval(), .milliseconds(2_500))
        unsetenv("WATCHDOG_PID")
        XCTAssertEqual(try Watchdog.interval(), .milliseconds(2_500), "without WATCHDOG_PID it applies to any process")
    }

    func testIntervalForAnotherProcessIsIgnored() throws {
        setenv("WATCHDOG_USEC", "2500000", 1)
        setenv("WATCHDOG_PID", "\(getpid() + 1)", 1)
        XCTAssertNil(try Watchdog.interval())
    }

    func testMalformedIntervalThrows() {
        setenv("WATCHDOG_USEC", "soon", 1)
        XCTAssertThrowsError(try Watchdog.interval()) { error in
            XCTAssertEqual(error as? SystemdError, SystemdError(errno: EINVAL, function: "sd_watchdog_enabled"))
        }
    }
}
