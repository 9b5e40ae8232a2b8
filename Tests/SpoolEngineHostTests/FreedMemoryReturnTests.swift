import XCTest

@testable import SpoolEngineHost

/// When the memory of drained jobs goes back to the kernel.
final class FreedMemoryReturnTests: XCTestCase {
    func testMemoryIsReturnedOnceTheJobsHoldAThresholdLessThanAtTheirHighest() {
        var freed = FreedMemoryReturn()
        let threshold = FreedMemoryReturn.threshold
        XCTAssertFalse(freed.shouldReturn(held: 0))
        XCTAssertFalse(freed.shouldReturn(held: 3 * threshold), "a queue that grows frees nothing")
        XCTAssertFalse(freed.shouldReturn(held: 2 * threshold + 1), "not yet a threshold below the highest")
        XCTAssertTrue(freed.shouldReturn(held: 2 * threshold), "a threshold below the highest")
        XCTAssertFalse(freed.shouldReturn(held: threshold + 1), "counted again from the last return")
        XCTAssertTrue(freed.shouldReturn(held: threshold))
    }

    func testClosedConnectionsCountAsFreedMemory() {
        var freed = FreedMemoryReturn()
        XCTAssertFalse(freed.shouldReturn(held: FreedMemoryReturn.held(jobMemory: 0, connections: 10_000)))
        XCTAssertFalse(freed.shouldReturn(held: FreedMemoryReturn.held(jobMemory: 0, connections: 9_000)), "4 MB less")
        XCTAssertTrue(freed.shouldReturn(held: FreedMemoryReturn.held(jobMemory: 0, connections: 7_000)), "12 MB less")
    }

    func testAQueueThatRisesAgainIsMeasuredFromItsNewHighest() {
        var freed = FreedMemoryReturn()
        let threshold = FreedMemoryReturn.threshold
        XCTAssertFalse(freed.shouldReturn(held: threshold))
        XCTAssertTrue(freed.shouldReturn(held: 0))
        XCTAssertFalse(freed.shouldReturn(held: 4 * threshold))
        XCTAssertFalse(freed.shouldReturn(held: 3 * threshold + 1))
        XCTAssertTrue(freed.shouldReturn(held: 3 * threshold))
    }
}
