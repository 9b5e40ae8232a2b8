import SpoolQueueFiles
import SpoolTestSupport
import XCTest

final class BackoffTests: XCTestCase {
    private let backoff = Backoff(minimum: .seconds(1), maximum: .seconds(300))

    func testTheFirstRetryWaitsTheMinimum() {
        var random = SplitMix64(seed: 1)
        for _ in 0..<100 {
            XCTAssertEqual(backoff.delay(attempt: 1, random: &random), .seconds(1))
        }
    }

    func testEachDelayIsBetweenTheMinimumAndTheDoublingBound() {
        var random = SplitMix64(seed: 2)
        for attempt in 1...20 {
            let bound = min(Duration.seconds(300), .seconds(1) * (1 << (attempt - 1)))
            let delays = (0..<1_000).map { _ in backoff.delay(attempt: attempt, random: &random) }
            XCTAssertTrue(delays.allSatisfy { $0 >= .seconds(1) && $0 <= bound }, "attempt \(attempt)")
            // Full jitter: the delays spread over the whole range.
            if attempt > 1 {
                let spread = bound - .seconds(1)
                XCTAssertLessThan(delays.min()!, .seconds(1) + spread * 0.05, "attempt \(attempt)")
                XCTAssertGreaterThan(delays.max()!, bound - spread * 0.05, "attempt \(attempt)")
            }
        }
    }

    func testTheAverageDelayGrowsThenLevelsOffUnderTheCap() {
        var random = SplitMix64(seed: 3)
        let averages = (1...12).map { attempt in
            (0..<2_000).reduce(Duration.zero) { sum, _ in sum + backoff.delay(attempt: attempt, random: &random) }
                / 2_000
        }
        XCTAssertEqual(averages[0], .seconds(1))
        for (attempt, average) in averages.enumerated().dropFirst() {
            let bound = min(300.0, Double(1 << attempt))
            XCTAssertEqual(
                average / .seconds(1), (1 + bound) / 2, accuracy: (bound - 1) * 0.05, "attempt \(attempt + 1)")
        }
        XCTAssertEqual(averages[9] / .seconds(1), 150.5, accuracy: 5)
        XCTAssertEqual(averages[11] / .seconds(1), 150.5, accuracy: 5)
    }

    func testTheSameSeedGivesTheSameDelays() {
        var first = SplitMix64(seed: 42)
        var second = SplitMix64(seed: 42)
        let a = (1...30).map { backoff.delay(attempt: $0, random: &first) }
        let b = (1...30).map { backoff.delay(attempt: $0, random: &second) }
        XCTAssertEqual(a, b)
    }

    func testHugeAttemptNumbersStayAtTheCap() {
        var random = SplitMix64(seed: 4)
        for attempt in [64, 1_000, Int.max] {
            let delay = backoff.delay(attempt: attempt, random: &random)
            XCTAssertTrue(delay >= .seconds(1) && delay <= .seconds(300))
        }
    }

    func testAFixedBackoffAlwaysWaitsTheSame() {
        var random = SplitMix64(seed: 5)
        let fixed = Backoff(minimum: .milliseconds(250), maximum: .milliseconds(250))
        XCTAssertTrue((1...50).allSatisfy { fixed.delay(attempt: $0, random: &random) == .milliseconds(250) })
    }

    func testTheBoundDoublesFromAnUnevenMinimumToTheCap() {
        var random = SplitMix64(seed: 6)
        let uneven = Backoff(minimum: .milliseconds(700), maximum: .seconds(5))
        // Bounds: 0.7, 1.4, 2.8, then 5 (not 5.6).
        let delays = (0..<5_000).map { _ in uneven.delay(attempt: 4, random: &random) }
        XCTAssertLessThanOrEqual(delays.max()!, .seconds(5))
        XCTAssertGreaterThan(delays.max()!, .milliseconds(4_900))
        XCTAssertTrue((0..<1_000).allSatisfy { _ in uneven.delay(attempt: 3, random: &random) <= .milliseconds(2_800) })
    }
}
