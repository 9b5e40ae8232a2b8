import XCTest

@testable import SpoolCore

final class HistogramTests: XCTestCase {
    func testObservationsLandInTheFirstBucketWhoseBoundTheyDoNotExceed() {
        var histogram = Histogram(upperBounds: [1, 2, 5])
        for value in [0.5, 1, 1.5, 2, 4, 7, 100] { histogram.observe(value) }
        XCTAssertEqual(histogram.bucketCounts, [2, 2, 1, 2])
        XCTAssertEqual(histogram.cumulativeCounts, [2, 4, 5, 7])
        XCTAssertEqual(histogram.count, 7)
        XCTAssertEqual(histogram.sum, 116, accuracy: 1e-9)
    }

    func testNanosecondsAreSecondsAndNegativeDurationsCountAsZero() {
        var histogram = Histogram(upperBounds: [0.001, 1])
        histogram.observe(nanoseconds: 500_000_000)
        histogram.observe(nanoseconds: -3)
        XCTAssertEqual(histogram.bucketCounts, [1, 1, 0])
        XCTAssertEqual(histogram.sum, 0.5, accuracy: 1e-12)
    }

    func testCommitActivityCountsLatencyAndRecords() {
        var commits = CommitActivity()
        commits.record(records: 12, seconds: 0.0003)
        XCTAssertEqual(commits.latency.count, 1)
        XCTAssertEqual(commits.batchSize.sum, 12)
        XCTAssertEqual(commits.batchSize.cumulativeCounts.first { $0 > 0 }, 1)
    }
}
