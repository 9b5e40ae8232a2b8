import SpoolPrimitives
import XCTest

/// ``TubeName``: beanstalkd's rule for tube names.
final class TubeNameTests: XCTestCase {
    func testTubeNameRules() {
        XCTAssertTrue(TubeName.isValid("ABCxyz019-+/;.$_()"))
        XCTAssertFalse(TubeName.isValid("-a"))
        XCTAssertFalse(TubeName.isValid(""))
        XCTAssertFalse(TubeName.isValid("a b"))
        XCTAssertFalse(TubeName.isValid("é"))
        XCTAssertTrue(TubeName.isValid(String(repeating: "a", count: 200)))
        XCTAssertFalse(TubeName.isValid(String(repeating: "a", count: 201)))
    }
}
