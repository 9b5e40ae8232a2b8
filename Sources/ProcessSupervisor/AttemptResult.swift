/// One attempt (one run of a handler): how it ended, what the handler wrote, and how long it took.
public struct AttemptResult: Sendable {
    /// How the attempt ended.
    public let outcome: AttemptOutcome
    /// The beginning of the handler's standard output.
    public let standardOutput: CapturedOutput
    /// The beginning of the handler's standard error.
    public let standardError: CapturedOutput
    /// From just before the handler was started until it was reaped (or until
    /// it failed to start).
    public let duration: Duration
    /// What the handler's cgroup enforced during the attempt; none without one.
    public var cgroupEvents = CgroupEvents()
}

extension AttemptResult {
    /// An attempt whose handler was never started, for `reason`.
    public static func failedToStart(_ reason: String) -> AttemptResult {
        AttemptResult(outcome: .failedToStart(reason), standardOutput: CapturedOutput(), standardError: CapturedOutput(), duration: .zero)
    }
}
