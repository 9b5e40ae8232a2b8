/// How one attempt at a job ended.
public enum AttemptOutcome: Sendable, Equatable {
    /// The handler exited with this status: 0 is success, 75 (`EX_TEMPFAIL`)
    /// asks for a retry later, anything else is a failure.
    case exited(Int32)
    /// The handler was killed by this signal, not sent by spoold.
    case signaled(Int32)
    /// The handler ran past its timeout; its process group got `SIGTERM`,
    /// then `SIGKILL` if it outlived the grace period.
    case timedOut
    /// spoold stopped the attempt (it was shutting down): the handler's
    /// process group got `SIGTERM`, then `SIGKILL` if it outlived the grace period.
    case stopped
    /// The handler never ran, for this reason: `unknown user "mailer"`, or the
    /// step of starting it that failed and why, as in
    /// `setuid: Operation not permitted` or `execve: Permission denied`.
    case failedToStart(String)
}
