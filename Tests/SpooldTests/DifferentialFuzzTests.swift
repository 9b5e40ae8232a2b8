import Foundation
import XCTest

/// Randomized differential testing (`Tests/Clients/difffuzz.py`): random
/// multi-connection conversations against fresh Debian beanstalkd and spoold
/// servers, replies compared byte for byte after normalisation. A short run
/// with fixed seeds here; `scripts/difffuzz` runs many more.
final class DifferentialFuzzTests: XCTestCase {
    func testRandomConversationsAnswerLikeBeanstalkd() throws {
        let script = TestEnvironment.clients.appendingPathComponent("difffuzz.py").path
        for seed in 1...3 {
            let reference = try ServerProcess.beanstalkd()
            let spoold = try ServerProcess.spoold()
            let result = try runCommand(
                TestEnvironment.python, [script, "--a", reference.address, "--b", spoold.address, "--seed", "\(seed)", "--steps", "1500"],
                timeout: 600)
            XCTAssertEqual(result.status, 0, "seed \(seed):\n\(result.output)")
            XCTAssertTrue(result.output.contains("seed \(seed): 1500 steps, no difference"), result.output)
        }
    }
}
