import Foundation
import ProcessSupervisor
import SpoolTestSupport
import XCTest

/// Cancelling the task that runs an attempt stops the handler as a timeout
/// would: its process group gets SIGTERM, then SIGKILL after the grace
/// period, and the attempt ends `.stopped`.
final class HandlerProcessCancellationTests: XCTestCase {
    private var handlers: HandlerDirectory!

    override func setUpWithError() throws {
        handlers = try HandlerDirectory()
    }

    override func tearDownWithError() throws {
        try handlers.remove()
    }

    /// Starts `program` in a task of its own, with a timeout far away.
    private func start(_ program: String, killGracePeriod: Duration) throws -> Task<AttemptResult, Never> {
        let process = HandlerProcess(command: try handlers.command(program), timeout: .seconds(60), killGracePeriod: killGracePeriod)
        return Task { await process.run(input: []) }
    }

    /// The pids a handler wrote to the file `name` of the handler directory
    /// once it was under way; throws after 10 seconds without them.
    private func pids(writtenTo name: String) async throws -> [Int32] {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            if let text = try? String(contentsOfFile: "\(handlers.path)/\(name)", encoding: .utf8) {
                return text.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
            }
            guard ContinuousClock.now < deadline else { throw CocoaError(.fileReadNoSuchFile) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func testCancellingStopsALongHandlerAndWhatItStartedAtOnce() async throws {
        let program = try handlers.program(
            "nap",
            """
            /bin/sleep 30 &
            echo $$ $! > started.tmp && mv started.tmp started
            /bin/sleep 30
            """)
        let task = try start(program, killGracePeriod: .seconds(5))
        let pids = try await pids(writtenTo: "started")
        XCTAssertEqual(pids.count, 2)
        let cancelled = ContinuousClock.now
        task.cancel()
        let result = await task.value
        XCTAssertEqual(result.outcome, .stopped)
        XCTAssertLessThan(ContinuousClock.now - cancelled, .seconds(2), "SIGTERM ends it: no wait for the 5 s grace period")
        XCTAssertLessThan(result.duration, .seconds(10))
        guard let handler = pids.first, let background = pids.last else { return }
        XCTAssertFalse(ProcessTable.exists(handler), "the handler was reaped")
        try await assertGroupEnds(handler)
        XCTAssertFalse(ProcessTable.liveMembers(ofGroup: handler).contains(background))
    }

    func testAHandlerThatIgnoresSIGTERMIsKilledAfterTheGracePeriod() async throws {
        let program = try handlers.program(
            "stubborn",
            """
            trap 'echo caught TERM' TERM
            echo $$ > started.tmp && mv started.tmp started
            while :; do /bin/sleep 0.05; done
            """)
        let task = try start(program, killGracePeriod: .milliseconds(500))
        let handler = try await pids(writtenTo: "started").first
        let cancelled = ContinuousClock.now
        task.cancel()
        let result = await task.value
        let elapsed = ContinuousClock.now - cancelled
        XCTAssertEqual(result.outcome, .stopped)
        XCTAssertTrue(String(decoding: result.standardOutput.bytes, as: UTF8.self).contains("caught TERM\n"))
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(500), "SIGKILL waits for the grace period")
        XCTAssertLessThan(elapsed, .seconds(2))
        guard let handler else { return XCTFail("no pid") }
        try await assertGroupEnds(handler)
    }

    func testATaskCancelledBeforeTheHandlerStartsStopsItToo() async throws {
        let program = try handlers.program("nap", "exec /bin/sleep 30")
        let process = HandlerProcess(command: try handlers.command(program), timeout: .seconds(60), killGracePeriod: .seconds(5))
        let started = ContinuousClock.now
        let task = Task { () -> AttemptResult in
            withUnsafeCurrentTask { $0?.cancel() }
            return await process.run(input: [])
        }
        let outcome = await task.value.outcome
        XCTAssertEqual(outcome, .stopped)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        XCTAssertEqual(ProcessTable.children(of: getpid()), [], "nothing left, not even a zombie")
    }

    func testACancelThatMeetsTheHandlersOwnEndLeavesItsExitAlone() async throws {
        // A handler that exits at once, cancelled as it starts: its exit and
        // the stop are often seen in the same wake-up of the supervisor.
        let process = HandlerProcess(command: try handlers.command("/bin/true"), timeout: .seconds(10), killGracePeriod: .seconds(1))
        var unexpected: [AttemptOutcome] = []
        for _ in 0..<1000 {
            let task = Task { await process.run(input: []) }
            task.cancel()
            let outcome = await task.value.outcome
            if outcome != .stopped && outcome != .exited(0) { unexpected.append(outcome) }
        }
        XCTAssertEqual(unexpected, [])
        XCTAssertEqual(ProcessTable.children(of: getpid()), [], "every handler was reaped, once")
    }
}
