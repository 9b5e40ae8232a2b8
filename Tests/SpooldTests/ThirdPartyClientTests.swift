import Foundation
import XCTest

/// Real third-party beanstalkd clients, unchanged, against a real spoold:
/// greenstalk and pystalk from PyPI, beaneater from Debian.
final class ThirdPartyClientTests: XCTestCase {
    /// Runs a client suite against a fresh spoold; asserts that it passed and that spoold survived it.
    private func assertSuitePasses(_ executable: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let server = try ServerProcess.spoold()
        let result = try runCommand(executable, arguments, environment: ["SPOOL_TEST_ADDR": server.address], timeout: 600)
        XCTAssertEqual(result.status, 0, "client suite failed:\n\(result.output)", file: file, line: line)
        XCTAssertTrue(server.process.isRunning, "spoold died:\n\(server.output)", file: file, line: line)
        print(result.output.split(separator: "\n").suffix(3).joined(separator: "\n"))
    }

    private func assertPytestPasses(_ suite: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = TestEnvironment.clients.appendingPathComponent("python/\(suite)").path
        try assertSuitePasses(TestEnvironment.python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", path], file: file, line: line)
    }

    func testGreenstalk() throws {
        try assertPytestPasses("test_greenstalk.py")
    }

    func testPystalk() throws {
        try assertPytestPasses("test_pystalk.py")
    }

    func testBeaneater() throws {
        try assertSuitePasses("/usr/bin/ruby", [TestEnvironment.clients.appendingPathComponent("ruby/beaneater_test.rb").path])
    }
}
