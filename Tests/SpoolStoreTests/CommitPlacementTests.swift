import XCTest

@testable import SpoolStore

/// Where commits run: on the loop while they carry a record or two and are
/// quick, on the writer thread otherwise.
final class CommitPlacementTests: XCTestCase {
    func testSmallQuickCommitsStayOnTheLoop() {
        var placement = CommitPlacement()
        XCTAssertTrue(placement.onLoop, "a new store commits on the loop")
        for records in [1, 2, 1, 1, 2, 1, 2, 1] {
            placement.record(records: records, seconds: 0.0001)
            XCTAssertTrue(placement.onLoop, "one producer and one consumer: \(placement.averageRecords) records on average")
        }
    }

    func testPairedCommitsStayOnTheLoopWhenAThirdRecordJoinsOne() {
        var placement = CommitPlacement()
        for records in Array(repeating: [2, 2, 2, 3], count: 20).joined() {
            placement.record(records: records, seconds: 0.0001)
            XCTAssertTrue(placement.onLoop, "a put and a delete per commit: \(placement.averageRecords) records on average")
        }
    }

    func testCommitsThatCarryMoreGoToTheWriterAndComeBackWhenTheyShrink() {
        var placement = CommitPlacement()
        placement.record(records: 12, seconds: 0.0001)
        XCTAssertFalse(placement.onLoop, "clients arrived during the commit: the loop should serve them during the next")
        var back = 0
        while !placement.onLoop {
            placement.record(records: 1, seconds: 0.0001)
            back += 1
            XCTAssertLessThan(back, 20, "single-record commits bring it back")
        }
        XCTAssertGreaterThan(back, 1, "one small commit after a large one is not yet a pattern")
    }

    func testASlowCommitSendsTheNextOneToTheWriter() {
        var placement = CommitPlacement(loopSecondsLimit: 0.002)
        placement.record(records: 1, seconds: 0.050)
        XCTAssertFalse(placement.onLoop, "a slow disk must not stall the loop again")
        placement.record(records: 1, seconds: 0.0002)
        XCTAssertTrue(placement.onLoop, "the disk is quick again")
    }
}
