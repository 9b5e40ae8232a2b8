import XCTest

@testable import SpoolEngineHost

/// When the memory of drained jobs goes back to the kernel.
final class FreedMemoryReturnTests: XCTestCase {
    func testMemoryIsReturnedOnceTheJobsHoldAThresholdLessThanAtTheirHighest() {
        var freed = FreedMemoryReturn()
        let threshold = FreedMemoryReturn.threshold
        XCTAssertFalse(freed.shouldReturn(jobMemory: 0))
        XCTAssertFalse(freed.shouldReturn(jobMemory: 3 * threshold), "a queue that grows frees nothing")
        XCTAssertFalse(freed.shouldReturn(jobMemory: 2 * threshold + 1), "not yet a threshold below the highest")
        XCTAssertTrue(freed.shouldReturn(jobMemory: 2 * threshold), "a threshold below the highest")
        XCTAssertFalse(freed.shouldReturn(jobMemory: threshold + 1), "counted again from the last return")
        XCTAssertTrue(freed.shouldReturn(jobMemory: threshold))
    }

    func testAQueueThatRisesAgainIsMeasuredFromItsNewHighest() {
        var freed = FreedMemoryReturn()
        let threshold = FreedMemoryReturn.threshold
        XCTAssertFalse(freed.shouldReturn(jobMemory: threshold))
        XCTAssertTrue(freed.shouldReturn(jobMemory: 0))
        XCTAssertFalse(freed.shouldReturn(jobMemory: 4 * threshold))
        XCTAssertFalse(freed.shouldReturn(jobMemory: 3 * threshold + 1))
        XCTAssertTrue(freed.shouldReturn(jobMemory: 3 * threshold))
    }
}
