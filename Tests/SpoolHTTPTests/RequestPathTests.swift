import XCTest

@testable import SpoolHTTP

final class RequestPathTests: XCTestCase {
    func testTheOriginAndAbsoluteFormsGiveThePathWithoutTheQuery() {
        XCTAssertEqual(HTTPRequestHandler.path(of: "/metrics"), "/metrics")
        XCTAssertEqual(HTTPRequestHandler.path(of: "/metrics?name[]=x"), "/metrics")
        XCTAssertEqual(HTTPRequestHandler.path(of: "http://127.0.0.1:8080/metrics"), "/metrics")
        XCTAssertEqual(HTTPRequestHandler.path(of: "https://spool.example/events?x=1"), "/events")
        XCTAssertEqual(HTTPRequestHandler.path(of: "http://spool.example"), "/")
        XCTAssertEqual(HTTPRequestHandler.path(of: "/a://b"), "/a://b", "a path that holds :// is not a scheme")
        XCTAssertEqual(HTTPRequestHandler.path(of: "*"), "*")
    }
}
