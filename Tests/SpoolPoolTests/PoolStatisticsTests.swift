import XCTest

@testable import SpoolPool

/// A pool's counters: every finished attempt counts, except one stopped by a
/// shutdown; failures are retries and burials.
final class PoolStatisticsTests: XCTestCase {
    func testNothingRecordedAveragesZero() {
        let statistics = PoolStatistics()
        XCTAssertEqual(statistics.attempts, 0)
        XCTAssertEqual(statistics.averageRunTime, .zero)
    }

    func testEachVerdictCountsAsItShould() {
        var statistics = PoolStatistics()
        statistics.record(.delete, duration: .seconds(1))
        statistics.record(.retry(delay: .seconds(9), reason: "exit status 1"), duration: .seconds(2))
        statistics.record(.bury(reason: "exit status 1; attempt 2 of 2"), duration: .seconds(3))
        statistics.record(.release, duration: .seconds(100))
        XCTAssertEqual(statistics.attempts, 3, "a stopped attempt is not counted")
        XCTAssertEqual(statistics.failures, 2)
        XCTAssertEqual(statistics.buried, 1)
        XCTAssertEqual(statistics.totalRunTime, .seconds(6))
        XCTAssertEqual(statistics.averageRunTime, .seconds(2))
    }

    func testTheAverageKeepsFractions() {
        var statistics = PoolStatistics()
        statistics.record(.delete, duration: .milliseconds(1))
        statistics.record(.delete, duration: .milliseconds(2))
        XCTAssertEqual(statistics.averageRunTime, .microseconds(1500))
        XCTAssertEqual(statistics.failures, 0)
        XCTAssertEqual(statistics.buried, 0)
    }
}
