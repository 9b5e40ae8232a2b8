import Foundation
import XCTest

/// Examples/dbus: the example service, run as a real process on a private bus
/// and driven with busctl, does what its README shows.
final class ExampleTests: XCTestCase {
    func testTheCounterExampleServesWhatItsReadmeShows() throws {
        let bus = try PrivateBus()
        let example = Process()
        example.executableURL = Bundle.main.bundleURL.appendingPathComponent("dbus-counter-example")
        example.arguments = [bus.address]
        example.standardOutput = FileHandle.nullDevice
        try example.run()
        defer { example.terminate() }
        func busctl(_ arguments: String...) throws -> (status: Int32, output: String) {
            try runCommand("/usr/bin/busctl", ["--address=\(bus.address)"] + arguments)
        }
        let deadline = Date().addingTimeInterval(10)
        while try busctl("status", "org.example.Counter1").status != 0 {
            guard Date() < deadline else { return XCTFail("the example never took its name") }
            usleep(20_000)
        }
        let target = ["org.example.Counter1", "/org/example/Counter1", "org.example.Counter1"]
        XCTAssertEqual(try busctl("call", target[0], target[1], target[2], "Increment", "t", "10").output, "t 10\n")
        XCTAssertEqual(try busctl("set-property", target[0], target[1], target[2], "Count", "t", "41").status, 0)
        XCTAssertEqual(try busctl("call", target[0], target[1], target[2], "Increment", "t", "1").output, "t 42\n")
        XCTAssertEqual(try busctl("get-property", target[0], target[1], target[2], "Count").output, "t 42\n")
        XCTAssertTrue(try busctl("call", target[0], target[1], target[2], "Increment", "s", "x").output.contains("Increment takes 't', not 's'"))
        let introspection = try busctl("introspect", target[0], target[1], target[2]).output
        XCTAssertTrue(introspection.contains(".Reached"), introspection)
        XCTAssertTrue(introspection.contains("emits-change writable"), introspection)
    }
}
