import XCTest

@testable import SpoolHTTP

final class JSONWriterTests: XCTestCase {
    func testStringsAreEscapedAndMarkupStaysInert() {
        var json = JSONWriter()
        json.object { json in
            json.member("reason", "line 1\nsaid \"no\" \\ <script>\u{1}")
            json.member("count", 3)
            json.member("mean", 0.25)
            json.member("ok", true)
            json.key("list")
            json.array { json in
                json.object { $0.member("a", 1) }
                json.object { $0.member("b", UInt64(2)) }
            }
        }
        XCTAssertEqual(
            json.text,
            #"{"reason":"line 1\nsaid \"no\" \\ \u003cscript>\u0001","count":3,"mean":0.25,"ok":true,"list":[{"a":1},{"b":2}]}"#)
    }

    func testNumbersThatAreNotFiniteBecomeNull() {
        var json = JSONWriter()
        json.object { $0.member("x", Double.infinity) }
        XCTAssertEqual(json.text, #"{"x":null}"#)
    }
}
