import DurationConversions
import Glibc
import ProcessSupervisor
import SpoolEngineHost
import SpoolQueueFiles

/// What becomes of a job after one attempt, decided from how the attempt ended.
enum AttemptVerdict: Equatable {
    /// The handler succeeded: the job is deleted.
    case delete
    /// spoold stopped the attempt while shutting down: the job is ready again
    /// at once, and the attempt is not counted.
    case release
    /// The attempt failed: the job waits `delay`, then is tried again.
    case retry(delay: Duration, reason: String)
    /// The attempt failed and was the last one allowed: the job is buried.
    case bury(reason: String)

    /// What the engine does with the job; a released job keeps `priority`.
    func disposition(priority: UInt32) -> WorkerDisposition {
        switch self {
        case .delete: .delete
        case .release: .release(priority: priority)
        case .retry(let delay, let reason): .retry(after: delay, reason: reason)
        case .bury(let reason): .bury(reason: reason)
        }
    }

    /// The exit status that asks for a retry later (`EX_TEMPFAIL`); it never buries a job.
    static let temporaryFailure: Int32 = 75
    /// The most Unicode scalars of the handler's standard error quoted in a
    /// reason (at most 800 bytes). Scalars, not characters: one character
    /// can be made of thousands (a letter and its combining marks), and a
    /// reason of 64 KB per buried job had let a handler grow spoold by gigabytes.
    static let quotedErrorLength = 200

    /// The verdict on attempt number `attempt` (counted from 1) of `queue`'s handler.
    ///
    /// Exit 0 deletes the job. Exit 75 retries it after the backoff, however
    /// many attempts it took. Any other failure (another status, a signal, a
    /// timeout, a handler that could not start) retries it after the backoff
    /// until `attempt` reaches `MaxAttempts=`, then buries it.
    init(result: AttemptResult, attempt: Int, queue: QueueConfiguration, timeout: Duration, random: inout some RandomNumberGenerator) {
        let reason: String
        switch result.outcome {
        case .exited(0):
            self = .delete
            return
        case .stopped:
            self = .release
            return
        case .exited(Self.temporaryFailure):
            self = .retry(
                delay: queue.backoff.delay(attempt: attempt, random: &random),
                reason: Self.reason("exit status 75 (temporary failure)", result, queue))
            return
        case .exited(let status):
            reason = Self.reason("exit status \(status)", result, queue)
        case .signaled(SIGSYS):
            reason = Self.reason("killed for a forbidden system call (SIGSYS: not allowed by the queue's SystemCallFilter=)", result, queue)
        case .signaled(SIGKILL) where result.cgroupEvents.oomKills > 0:
            reason = Self.reason(
                "killed by the OOM killer: its memory reached \(Self.memoryMax(queue))", result, queue,
                handlerKilledForMemory: true)
        case .signaled(let signal):
            reason = Self.reason("killed by signal \(signal) (\(String(cString: strsignal(signal))))", result, queue)
        case .timedOut:
            reason = Self.reason("timed out after \(Self.seconds(timeout)) s", result, queue)
        case .failedToStart(let why):
            reason = "could not start: \(why)"
        }
        self = attempt >= queue.maxAttempts
            ? .bury(reason: "\(reason); attempt \(attempt) of \(queue.maxAttempts)")
            : .retry(delay: queue.backoff.delay(attempt: attempt, random: &random), reason: reason)
    }

    /// `summary`, with the limits the handler's cgroup enforced meanwhile
    /// and the last line the handler wrote to its standard error.
    private static func reason(
        _ summary: String, _ result: AttemptResult, _ queue: QueueConfiguration, handlerKilledForMemory: Bool = false
    ) -> String {
        var summary = summary
        let events = result.cgroupEvents
        var notes: [String] = []
        // The handler's own OOM kill is the summary; only the others are noted.
        let others = events.oomKills - (handlerKilledForMemory ? 1 : 0)
        if others > 0 {
            notes.append(
                "the OOM killer ended \(others) \(handlerKilledForMemory ? "more " : "")process\(others == 1 ? "" : "es") at \(Self.memoryMax(queue))")
        }
        if events.refusedForks > 0 {
            notes.append(
                "TasksMax=\(queue.cgroupLimits.tasksMax.map { "\($0)" } ?? "") reached: \(events.refusedForks) fork\(events.refusedForks == 1 ? "" : "s") refused")
        }
        if !notes.isEmpty { summary += " (\(notes.joined(separator: "; ")))" }
        let lines = result.standardError.bytes.split(separator: UInt8(ascii: "\n"))
        guard let last = lines.last(where: { !$0.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") } }) else {
            return summary
        }
        // A CRLF line ends with its CR: it is no part of the text.
        var line = last
        while line.last == UInt8(ascii: "\r") { line.removeLast() }
        var text = ""
        for scalar in String(decoding: line, as: UTF8.self).unicodeScalars.prefix(quotedErrorLength) {
            // A tab reads as a space; other control characters (a NUL made
            // D-Bus drop the JobBuried signal, an escape would reach the
            // terminals that show reasons) as U+FFFD.
            switch scalar.value {
            case 0x09: text.unicodeScalars.append(" ")
            case 0..<0x20, 0x7F: text.unicodeScalars.append("\u{FFFD}")
            default: text.unicodeScalars.append(scalar)
            }
        }
        return "\(summary): \(text)"
    }

    /// `MemoryMax=` as the queue file sets it, such as `MemoryMax=64M`.
    private static func memoryMax(_ queue: QueueConfiguration) -> String {
        "MemoryMax=\(queue.cgroupLimits.memoryMax.map(ByteSize.spelled) ?? "")"
    }

    /// A duration in seconds, as `30` or `1.5`.
    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard attoseconds != 0 else { return "\(seconds)" }
        var fraction = String(duration.milliseconds % 1_000)
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(seconds)" : "\(seconds).\(fraction)"
    }
}
