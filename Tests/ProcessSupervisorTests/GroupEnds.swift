import SpoolTestSupport
import XCTest

/// Asserts that process group `group` has no live process left within 2 s:
/// what a handler left behind is killed with it, but takes a moment to die.
func assertGroupEnds(_ group: Int32, file: StaticString = #filePath, line: UInt = #line) async throws {
    let ended = try await ProcessTable.groupEnds(group, within: .seconds(2))
    XCTAssertTrue(ended, "left in the handler's group: \(ProcessTable.liveMembers(ofGroup: group))", file: file, line: line)
}
