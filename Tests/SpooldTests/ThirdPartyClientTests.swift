import Foundation
import XCTest

/// Real third-party beanstalkd clients, unchanged, against a real spoold:
/// greenstalk and pystalk from PyPI, beaneater from Debian. Each suite runs
/// twice, each time against a fresh spoold: once on the durable store, once
/// started with beanstalkd's flags only (`-l 127.0.0.1 -p PORT`), as client
/// libraries' own suites start the server.
final class ThirdPartyClientTests: XCTestCase {
    /// Runs a client suite against a fresh spoold, durable and then started as
    /// beanstalkd; asserts that it passed and that spoold survived it.
    private func assertSuitePasses(_ executable: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        for (name, start) in [("durable", { try ServerProcess.spoold() }), ("-l/-p only", { try ServerProcess.spooldAsBeanstalkd() })] {
            let server = try start()
            let result = try runCommand(executable, arguments, environment: ["SPOOL_TEST_ADDR": server.address], timeout: 600)
            XCTAssertEqual(result.status, 0, "client suite failed against spoold \(name):\n\(result.output)", file: file, line: line)
            XCTAssertTrue(server.process.isRunning, "spoold \(name) died:\n\(server.output)", file: file, line: line)
            print("spoold \(name): " + result.output.split(separator: "\n").suffix(3).joined(separator: "\n"))
        }
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
