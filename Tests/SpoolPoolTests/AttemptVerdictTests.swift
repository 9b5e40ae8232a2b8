import Glibc
import SpoolQueueFiles
import SpoolTestSupport
import XCTest

@testable import ProcessSupervisor
@testable import SpoolPool

/// How an attempt's end decides its job's fate: delete, release, retry later
/// or bury, with a reason quoting the handler's last words.
final class AttemptVerdictTests: XCTestCase {
    private var queue: QueueConfiguration!

    override func setUpWithError() throws {
        queue = try QueueConfiguration(
            parsing: "[Queue]\nTube=t\nExecStart=/bin/true\nMaxAttempts=3\nBackoffMin=1s\nBackoffMax=1min\n",
            path: "/etc/spool/queues.d/t.conf")
    }

    private func verdict(
        _ outcome: AttemptOutcome, stderr: String = "", stdout: String = "", attempt: Int = 1,
        timeout: Duration = .seconds(30), seed: UInt64 = 1, cgroupEvents: CgroupEvents = CgroupEvents()
    ) -> AttemptVerdict {
        var random = SplitMix64(seed: seed)
        let result = AttemptResult(
            outcome: outcome, standardOutput: captured(stdout), standardError: captured(stderr), duration: .seconds(1),
            cgroupEvents: cgroupEvents)
        return AttemptVerdict(result: result, attempt: attempt, queue: queue, timeout: timeout, random: &random)
    }

    private func captured(_ text: String) -> CapturedOutput {
        var output = CapturedOutput()
        Array(text.utf8).withUnsafeBytes { output.append($0, keepingAtMost: 1 << 16) }
        return output
    }

    /// The reason of a retry or a burial; nil for any other verdict.
    private func reason(_ verdict: AttemptVerdict) -> String? {
        switch verdict {
        case .retry(_, let reason), .bury(let reason): reason
        case .delete, .release: nil
        }
    }

    func testSuccessDeletesEvenOnTheLastAttempt() {
        XCTAssertEqual(verdict(.exited(0)), .delete)
        XCTAssertEqual(verdict(.exited(0), stderr: "warning\n", attempt: 3), .delete)
    }

    func testAStoppedAttemptReleasesTheJobWhateverItsNumber() {
        XCTAssertEqual(verdict(.stopped), .release)
        XCTAssertEqual(verdict(.stopped, attempt: 3), .release)
        XCTAssertEqual(verdict(.stopped, attempt: 9), .release)
    }

    func testAFailureRetriesAfterTheBackoffUntilTheLastAttempt() {
        XCTAssertEqual(verdict(.exited(1), attempt: 1), .retry(delay: .seconds(1), reason: "exit status 1"), "attempt 1 waits BackoffMin")
        var random = SplitMix64(seed: 9)
        let expected = queue.backoff.delay(attempt: 2, random: &random)
        XCTAssertEqual(verdict(.exited(1), attempt: 2, seed: 9), .retry(delay: expected, reason: "exit status 1"))
        XCTAssertEqual(verdict(.exited(1), attempt: 3), .bury(reason: "exit status 1; attempt 3 of 3"))
        XCTAssertEqual(verdict(.exited(1), attempt: 4), .bury(reason: "exit status 1; attempt 4 of 3"))
    }

    func testExitStatus75AlwaysRetries() {
        for attempt in [1, 3, 50] {
            guard case .retry(let delay, let reason) = verdict(.exited(75), stderr: "busy\n", attempt: attempt, seed: 5) else {
                return XCTFail("attempt \(attempt) was not retried")
            }
            var random = SplitMix64(seed: 5)
            XCTAssertEqual(delay, queue.backoff.delay(attempt: attempt, random: &random))
            XCTAssertLessThanOrEqual(delay, .seconds(60))
            XCTAssertEqual(reason, "exit status 75 (temporary failure): busy")
        }
    }

    func testEveryKindOfFailureIsNamed() {
        XCTAssertEqual(reason(verdict(.signaled(SIGKILL), attempt: 3)), "killed by signal 9 (Killed); attempt 3 of 3")
        XCTAssertEqual(reason(verdict(.signaled(SIGSEGV))), "killed by signal 11 (Segmentation fault)")
        XCTAssertEqual(reason(verdict(.timedOut, timeout: .seconds(30))), "timed out after 30 s")
        XCTAssertEqual(reason(verdict(.timedOut, timeout: .milliseconds(1500))), "timed out after 1.5 s")
        XCTAssertEqual(reason(verdict(.timedOut, timeout: .milliseconds(250))), "timed out after 0.25 s")
        XCTAssertEqual(reason(verdict(.timedOut, timeout: .milliseconds(2001))), "timed out after 2.001 s")
        XCTAssertEqual(
            reason(verdict(.failedToStart("execve: Permission denied"), attempt: 3)),
            "could not start: execve: Permission denied; attempt 3 of 3")
    }

    func testWhatTheCgroupEnforcedIsNamedWithItsLimit() throws {
        queue = try QueueConfiguration(
            parsing: "[Queue]\nTube=t\nExecStart=/bin/true\nMaxAttempts=3\nMemoryMax=64M\nTasksMax=8\n",
            path: "/etc/spool/queues.d/t.conf")
        XCTAssertEqual(
            reason(verdict(.signaled(SIGKILL), cgroupEvents: CgroupEvents(oomKills: 1))),
            "killed by the OOM killer: its memory reached MemoryMax=64M")
        XCTAssertEqual(
            reason(verdict(.signaled(SIGKILL), cgroupEvents: CgroupEvents(oomKills: 3))),
            "killed by the OOM killer: its memory reached MemoryMax=64M (the OOM killer ended 2 more processes at MemoryMax=64M)")
        XCTAssertEqual(
            reason(verdict(.exited(1), stderr: "worker died\n", cgroupEvents: CgroupEvents(oomKills: 1))),
            "exit status 1 (the OOM killer ended 1 process at MemoryMax=64M): worker died")
        XCTAssertEqual(
            reason(verdict(.exited(2), stderr: "sh: Cannot fork\n", cgroupEvents: CgroupEvents(refusedForks: 5))),
            "exit status 2 (TasksMax=8 reached: 5 forks refused): sh: Cannot fork")
        XCTAssertEqual(reason(verdict(.signaled(SIGKILL))), "killed by signal 9 (Killed)", "no OOM kill: another's SIGKILL")
    }

    func testTheReasonQuotesTheLastNonBlankLineOfStandardErrorOnly() {
        XCTAssertEqual(reason(verdict(.exited(2), stderr: "first\nsecond\n", stdout: "not this\n")), "exit status 2: second")
        XCTAssertEqual(reason(verdict(.exited(2), stderr: "first\nlast\n\n   \n\r\n")), "exit status 2: last")
        XCTAssertEqual(reason(verdict(.exited(2), stderr: "no newline at the end")), "exit status 2: no newline at the end")
        XCTAssertEqual(reason(verdict(.exited(2), stderr: "\n \n")), "exit status 2")
        XCTAssertEqual(reason(verdict(.exited(2), stderr: "crlf\r\n")), "exit status 2: crlf", "a CR ends the line with its LF")
        XCTAssertEqual(reason(verdict(.timedOut, stderr: "stuck on host\n", attempt: 3)), "timed out after 30 s: stuck on host; attempt 3 of 3")
    }

    func testTheQuotedLineIsCutAt200Characters() {
        let long = String(repeating: "x", count: 150) + String(repeating: "y", count: 150)
        XCTAssertEqual(reason(verdict(.exited(1), stderr: "short\n" + long + "\n")),
                       "exit status 1: " + String(repeating: "x", count: 150) + String(repeating: "y", count: 50))
    }

    /// One character of thousands of scalars (a letter and its combining
    /// marks) made a 64 KB reason per buried job; control characters
    /// reached D-Bus (a NUL dropped the signal) and terminals.
    func testTheQuotedLineIsCutAt200ScalarsAndControlCharactersAreReplaced() {
        let combining = "a" + String(repeating: "\u{301}", count: 32_000)
        let quoted = (reason(verdict(.exited(1), stderr: combining + "\n")) ?? "").dropFirst("exit status 1: ".count)
        XCTAssertEqual(quoted.unicodeScalars.count, 200)
        XCTAssertLessThanOrEqual(quoted.utf8.count, 800)
        XCTAssertEqual(reason(verdict(.exited(1), stderr: "nul\u{0}esc\u{1B}[31m\ttab\u{7F}\n")),
                       "exit status 1: nul\u{FFFD}esc\u{FFFD}[31m tab\u{FFFD}")
    }
}
