import DurationConversions
import XCTest

/// The `Duration` conversions: truncation, rounding up, saturation.
final class DurationConversionsTests: XCTestCase {
    func testNanosecondsAndMillisecondsTruncateTowardZero() {
        XCTAssertEqual(Duration.seconds(3).nanoseconds, 3_000_000_000)
        XCTAssertEqual(Duration.milliseconds(1_500).nanoseconds, 1_500_000_000)
        XCTAssertEqual(Duration.nanoseconds(-7).nanoseconds, -7)
        XCTAssertEqual(Duration.microseconds(1_999).milliseconds, 1)
        XCTAssertEqual(Duration.microseconds(-1_999).milliseconds, -1)
        XCTAssertEqual(Duration.zero.milliseconds, 0)
    }

    func testRoundingUp() {
        XCTAssertEqual(Duration.nanoseconds(1).millisecondsRoundedUp, 1)
        XCTAssertEqual(Duration.milliseconds(2).millisecondsRoundedUp, 2)
        XCTAssertEqual(Duration.microseconds(2_001).millisecondsRoundedUp, 3)
        XCTAssertEqual(Duration.microseconds(-1_500).millisecondsRoundedUp, -1)
        XCTAssertEqual(Duration.zero.secondsRoundedUp, 0)
        XCTAssertEqual(Duration.nanoseconds(1).secondsRoundedUp, 1)
        XCTAssertEqual(Duration.milliseconds(1_001).secondsRoundedUp, 2)
        XCTAssertEqual(Duration.seconds(4).secondsRoundedUp, 4)
    }

    func testHugeDurationsSaturate() {
        XCTAssertEqual(Duration.seconds(Int64.max).nanoseconds, .max)
        XCTAssertEqual(Duration.seconds(Int64.min).nanoseconds, .min)
        XCTAssertEqual(Duration.seconds(9_223_372_036).nanoseconds, 9_223_372_036_000_000_000)
        XCTAssertEqual((Duration.seconds(9_223_372_036) + .milliseconds(999)).nanoseconds, .max)
        XCTAssertEqual(Duration.seconds(Int64.max).millisecondsRoundedUp, .max)
        XCTAssertEqual((Duration.seconds(Int64.max) + .nanoseconds(1)).secondsRoundedUp, .max)
    }

    func testSecondsAsADouble() {
        XCTAssertEqual(Duration.milliseconds(1_250).inSeconds, 1.25)
        XCTAssertEqual(Duration.zero.inSeconds, 0)
    }
}
