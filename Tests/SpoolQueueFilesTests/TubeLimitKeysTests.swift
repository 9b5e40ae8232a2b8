import SpoolQueueFiles
import XCTest

/// `MaxJobs=`, `MaxBytes=` and `WhenFull=`: a tube's limits in its queue file.
final class TubeLimitKeysTests: XCTestCase {
    private let prefix = mailPath

    func testLimitsAreReadAndUnsetOnesFallBackToSpooldsDefaults() throws {
        let limited = try mailQueue("MaxJobs=100000", "MaxBytes=512M", "WhenFull=wait")
        XCTAssertEqual(limited.maxJobs, 100_000)
        XCTAssertEqual(limited.maxBytes, 512 << 20)
        XCTAssertEqual(limited.waitWhenFull, true)
        XCTAssertEqual(try mailQueue("WhenFull=refuse").waitWhenFull, false)
        let plain = try mailQueue()
        XCTAssertNil(plain.maxJobs)
        XCTAssertNil(plain.maxBytes)
        XCTAssertNil(plain.waitWhenFull)
        XCTAssertEqual(try mailQueue("MaxJobs=0").maxJobs, 0, "a tube that takes nothing (puts wait or are refused)")
    }

    func testBadValuesAreNamed() {
        XCTAssertEqual(mailFailure("MaxJobs=many"), "\(prefix):4: MaxJobs=many: not a whole number")
        XCTAssertEqual(mailFailure("MaxBytes=lots"), "\(prefix):4: MaxBytes=lots: not a size (such as 4096, 512K, 64M or 2G)")
        XCTAssertEqual(mailFailure("WhenFull=block"), "\(prefix):4: WhenFull=block: use refuse or wait")
        XCTAssertEqual(mailFailure("MaxJob=5"), "\(prefix):4: MaxJob=5: unknown key (did you mean MaxJobs=?)")
    }
}
