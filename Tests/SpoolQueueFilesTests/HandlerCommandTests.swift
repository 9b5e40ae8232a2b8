import ProcessSupervisor
import SpoolQueueFiles
import XCTest

/// ``HandlerCommand/init(queue:jobID:attempt:priority:)``: a queue and a job made into the command of one attempt.
final class HandlerCommandTests: XCTestCase {
    func testHandlersGetSystemdsDefaultPathUnlessTheirQueueSetsOne() throws {
        let plain = try QueueConfiguration(parsing: "[Queue]\nTube=t\nExecStart=/bin/true\n", path: "plain.conf")
        XCTAssertEqual(HandlerCommand(queue: plain, jobID: 1, attempt: 1, priority: 0).environment["PATH"], HandlerCommand.defaultPath)
        let own = try QueueConfiguration(parsing: "[Queue]\nTube=t\nExecStart=/bin/true\nEnvironment=PATH=/opt/bin\n", path: "own.conf")
        XCTAssertEqual(HandlerCommand(queue: own, jobID: 1, attempt: 1, priority: 0).environment["PATH"], "/opt/bin")
    }
}
