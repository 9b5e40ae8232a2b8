import ProcessSupervisor
import SpoolQueueFiles
import XCTest

/// systemd's time spans (`Timeout=`, `BackoffMin=`, `BackoffMax=`, `AgingAfter=`,
/// `LimitCPU=`) and sizes (`LimitAS=`).
final class TimeSpanAndSizeTests: XCTestCase {
    private func timeout(_ span: String) throws -> Duration? {
        try mailQueue("Timeout=\(span)").timeout
    }

    private func addressSpace(_ size: String) throws -> ResourceLimit? {
        try mailQueue("LimitAS=\(size)").limits.addressSpace
    }

    func testEveryUnitAndItsNames() throws {
        for name in ["ns", "nsec"] { XCTAssertEqual(try timeout("7\(name)"), .nanoseconds(7)) }
        for name in ["us", "usec", "µs", "μs"] { XCTAssertEqual(try timeout("7\(name)"), .microseconds(7)) }
        for name in ["ms", "msec"] { XCTAssertEqual(try timeout("7\(name)"), .milliseconds(7)) }
        for name in ["", "s", "sec", "second", "seconds"] { XCTAssertEqual(try timeout("7\(name)"), .seconds(7)) }
        for name in ["m", "min", "minute", "minutes"] { XCTAssertEqual(try timeout("7\(name)"), .seconds(7 * 60)) }
        for name in ["h", "hr", "hour", "hours"] { XCTAssertEqual(try timeout("7\(name)"), .seconds(7 * 3_600)) }
        for name in ["d", "day", "days"] { XCTAssertEqual(try timeout("7\(name)"), .seconds(7 * 86_400)) }
        for name in ["w", "week", "weeks"] { XCTAssertEqual(try timeout("7\(name)"), .seconds(7 * 604_800)) }
    }

    func testComponentsAddUpWithOrWithoutSpaces() throws {
        XCTAssertEqual(try timeout("1h 30s"), .seconds(3_630))
        XCTAssertEqual(try timeout("1h30s"), .seconds(3_630))
        XCTAssertEqual(try timeout("2 min 5 s"), .seconds(125))
        XCTAssertEqual(try timeout("1d 2h 3min 4s 5ms"), .seconds(93_784) + .milliseconds(5))
        XCTAssertEqual(try timeout("30 5min"), .seconds(330))
    }

    func testFractions() throws {
        XCTAssertEqual(try timeout("1.5h"), .seconds(5_400))
        XCTAssertEqual(try timeout("0.25s"), .milliseconds(250))
        XCTAssertEqual(try timeout("2.5"), .milliseconds(2_500))
        XCTAssertEqual(try timeout("0.0000000019s"), .nanoseconds(1))
        XCTAssertEqual(try timeout("1.123456789123456789123s"), .nanoseconds(1_123_456_789))
    }

    /// Beanstalkd's longest TTR: a longer span, added to the clock, had
    /// crashed spoold (`Timeout=9223372036s`, then a put).
    func testTheLongestSpanIsBeanstalkdsLongestTTR() throws {
        XCTAssertEqual(try timeout("4294967295s"), .seconds(4_294_967_295))
        XCTAssertTrue(mailFailure("Timeout=4294967296s").hasSuffix("Timeout=4294967296s: must be at most 4294967295s (136 years)"))
        XCTAssertTrue(mailFailure("BackoffMax=9223372036s").hasSuffix(": must be at most 4294967295s (136 years)"))
        XCTAssertTrue(mailFailure("Timeout=15251w").hasSuffix("Timeout=15251w: too long"), "past Int64 nanoseconds")
    }

    func testMalformedSpans() {
        for span in ["s", "1.s", ".5s", "1,5s", "1s,", "5s 1.2.3s", "+5s", "5s-"] {
            XCTAssertTrue(
                mailFailure("Timeout=\(span)").hasSuffix(": not a time span (such as 30s, 5min, 1h 30s or 500ms)"), span
            )
        }
        for (span, unit) in [("5M", "M"), ("5S", "S"), ("1y", "y"), ("3 fortnights", "fortnights")] {
            XCTAssertTrue(
                mailFailure("Timeout=\(span)").hasSuffix(
                    ": unknown unit \"\(unit)\" (use ns, us, ms, s, min, h, d or w)"), span)
        }
    }

    func testEveryTimeSpanKeyTakesTheSameSyntax() throws {
        let queue = try mailQueue("BackoffMin=1.5s", "BackoffMax=1h 1min", "AgingAfter=2d 12h")
        XCTAssertEqual(queue.backoff, Backoff(minimum: .milliseconds(1_500), maximum: .seconds(3_660)))
        XCTAssertEqual(queue.agingAfter, .seconds(216_000))
    }

    func testCPULimitIsInSecondsRoundedUp() throws {
        XCTAssertEqual(try mailQueue("LimitCPU=30").limits.cpuSeconds, .limited(30))
        XCTAssertEqual(try mailQueue("LimitCPU=2min").limits.cpuSeconds, .limited(120))
        XCTAssertEqual(try mailQueue("LimitCPU=1.2").limits.cpuSeconds, .limited(2))
        XCTAssertEqual(try mailQueue("LimitCPU=1ms").limits.cpuSeconds, .limited(1))
    }

    func testSizesInPowersOf1024() throws {
        XCTAssertEqual(try addressSpace("4096"), .limited(4_096))
        XCTAssertEqual(try addressSpace("512K"), .limited(512 * 1_024))
        XCTAssertEqual(try addressSpace("64M"), .limited(64 * 1_048_576))
        XCTAssertEqual(try addressSpace("2G"), .limited(2 * 1_073_741_824))
        XCTAssertEqual(try addressSpace("1T"), .limited(1 << 40))
        XCTAssertEqual(try addressSpace("1.5G"), .limited(3 << 29))
        XCTAssertEqual(try addressSpace("0.5K"), .limited(512))
        XCTAssertEqual(try addressSpace("16 M"), .limited(16 << 20))
        XCTAssertEqual(try addressSpace("16777215T"), .limited(16_777_215 << 40))
        XCTAssertEqual(try addressSpace("infinity"), .unlimited)
    }

    func testMalformedSizes() {
        for size in ["K", "-1G", "1.G", ".5G", "infinite"] {
            XCTAssertTrue(
                mailFailure("LimitAS=\(size)").hasSuffix(": not a size (such as 4096, 512K, 64M or 2G)"), size)
        }
        for (size, suffix) in [
            ("1k", "k"), ("1P", "P"), ("1GB", "GB"), ("1,5G", ",5G"), ("0x10", "x10"), ("1G 2M", "G 2M"),
        ] {
            XCTAssertTrue(
                mailFailure("LimitAS=\(size)").hasSuffix(
                    ": unknown suffix \"\(suffix)\" (use K, M, G or T, powers of 1024)"), size)
        }
        XCTAssertTrue(mailFailure("LimitAS=0.0001K").hasSuffix("LimitAS=0.0001K: must be more than 0 (or infinity)"))
    }

    func testCountsAreWholeNumbers() throws {
        XCTAssertEqual(try mailQueue("LimitNOFILE=65536").limits.openFiles, .limited(65_536))
        XCTAssertEqual(try mailQueue("LimitNPROC=1").limits.processes, .limited(1))
        XCTAssertTrue(mailFailure("LimitNPROC=1.5").hasSuffix("LimitNPROC=1.5: not a whole number"))
    }
}
