/// How one attempt (one run of a handler) ended.
public enum AttemptOutcome: Sendable, Equatable {
    /// The handler exited with this status; what it means is the caller's to decide.
    case exited(Int32)
    /// The handler was killed by this signal, not sent by the supervisor.
    case signaled(Int32)
    /// The handler ran past its timeout; its process group got `SIGTERM`,
    /// then `SIGKILL` if it outlived the grace period.
    case timedOut
    /// The caller stopped the attempt (by cancelling it): the handler's
    /// process group got `SIGTERM`, then `SIGKILL` if it outlived the grace period.
    case stopped
    /// The handler never ran, for this reason: `unknown user "mailer"`, or the
    /// step of starting it that failed and why, as in
    /// `setuid: Operation not permitted` or `execve: Permission denied`.
    case failedToStart(String)
}
