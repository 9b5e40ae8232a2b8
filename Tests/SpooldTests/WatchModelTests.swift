import DBus
import Foundation
import XCTest

@testable import spoolctl

final class WatchModelTests: XCTestCase {
    func testControlCharactersOfAReasonArePrintedAsEscapes() {
        XCTAssertEqual("exit 3: \u{1B}[31mred\u{1B}]0;title\u{07}".printable, "exit 3: \\u{1b}[31mred\\u{1b}]0;title\\u{7}")
        XCTAssertEqual("ünïcode, tabs\tand\nlines".printable, "ünïcode, tabs\\u{9}and\\u{a}lines")
    }

    /// What a server or the bus sends reaches tables escaped (a tube's
    /// name, a state, a reason quoting a job's body).
    func testTableCellsEscapeControlCharacters() {
        XCTAssertEqual(Table.Cell("\u{1B}]0;PWNED\u{07}").text, "\\u{1b}]0;PWNED\\u{7}")
    }

    /// Hostile servers and buses: counters that overflowed, names that make one key.
    func testHostileCountersAndNamesDoNotCrash() {
        func sample(puts: Int) -> TopSample {
            TopSample(time: Date(), tubes: [.init(name: "t", ready: 0, reserved: 0, delayed: 0, buried: 0, waiting: 0, paused: false, puts: puts, deletes: 0)])
        }
        let rates = sample(puts: .max).rates(since: sample(puts: -1))
        XCTAssertEqual(rates.count, 1)
        XCTAssertTrue(rates[0].putsPerSecond.isFinite)
        XCTAssertEqual([UInt64.max, 1, 2].saturatingSum, .max)
        XCTAssertEqual([UInt64(2), 3].saturatingSum, 5)
        let object = JSONOutput.object(["JobsReady": .uint64(1), "jobsReady": .uint64(2)])
        XCTAssertEqual(object.count, 1)
        XCTAssertEqual(JSONOutput.scalar("1.0e999") as? String, "1.0e999", "infinity is no JSON number")
        XCTAssertEqual(JSONOutput.scalar("1.5") as? Double, 1.5)
    }
}
