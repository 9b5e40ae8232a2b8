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
    /// Whether the handler never ran because its child could not empty the
    /// handler's temporary directory (``HandlerCommand/temporaryDirectory``):
    /// what an earlier handler left is too deep or too large, the directory
    /// went, or a process left behind keeps changing it. The next attempt
    /// should get another directory.
    public var temporaryDirectoryFailed = false
}

extension AttemptResult {
    /// An attempt whose handler was never started, for `reason`.
    public static func failedToStart(_ reason: String) -> AttemptResult {
        AttemptResult(outcome: .failedToStart(reason), standardOutput: CapturedOutput(), standardError: CapturedOutput(), duration: .zero)
    }
}
