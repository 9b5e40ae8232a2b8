import Foundation
import XCTest

/// The same scripted conversations against Debian's beanstalkd and spoold
/// must get the same replies (ids and timing-dependent stats aside).
final class DifferentialTests: XCTestCase {
    func testSpooldAnswersLikeBeanstalkd() throws {
        let reference = try ServerProcess.beanstalkd()
        let spoold = try ServerProcess.spoold()
        let script = TestEnvironment.clients.appendingPathComponent("differential.py").path
        let result = try runCommand(TestEnvironment.python, [script, "--a", reference.address, "--b", spoold.address], timeout: 600)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains(" passed, 0 failed"), result.output)
        print(result.output.split(separator: "\n").suffix(1).joined())
    }
}
