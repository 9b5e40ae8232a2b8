import Foundation
import XCTest

/// Scrapes spoold's `/metrics` on 127.0.0.1:`port` with
/// `Tests/Clients/metrics/metrics_check.py`: both formats parsed by the
/// reference Prometheus parser and every histogram checked. Returns what
/// the script reports (job counts by tube and state, commands, ...).
func scrapeMetrics(port: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let result = try runCommand(
        TestEnvironment.python, [TestEnvironment.clients.appendingPathComponent("metrics/metrics_check.py").path,
                                 "http://127.0.0.1:\(port)/metrics"], timeout: 60)
    XCTAssertEqual(result.status, 0, result.output, file: file, line: line)
    let json = try XCTUnwrap(result.output.split(separator: "\n").first { $0.hasPrefix("{") }, result.output, file: file, line: line)
    return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], file: file, line: line)
}
