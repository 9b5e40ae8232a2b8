import XCTest

/// Asserts that `body` throws exactly `expected`; `context` names the case in the failure.
public func assertThrows<Failure: Error & Equatable>(
    _ expected: Failure, _ context: CustomStringConvertible, file: StaticString = #filePath, line: UInt = #line,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        XCTFail("expected \(expected) (\(context))", file: file, line: line)
    } catch let error as Failure {
        XCTAssertEqual(error, expected, "\(context)", file: file, line: line)
    } catch {
        XCTFail("expected \(expected), got \(error) (\(context))", file: file, line: line)
    }
}
