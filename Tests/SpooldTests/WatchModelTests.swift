import XCTest

@testable import spoolctl

final class WatchModelTests: XCTestCase {
    func testControlCharactersOfAReasonArePrintedAsEscapes() {
        XCTAssertEqual(WatchModel.printable("exit 3: \u{1B}[31mred\u{1B}]0;title\u{07}"), "exit 3: \\u{1b}[31mred\\u{1b}]0;title\\u{7}")
        XCTAssertEqual(WatchModel.printable("ünïcode, tabs\tand\nlines"), "ünïcode, tabs\\u{9}and\\u{a}lines")
    }
}
