/// Something the engine did on its own, outside the reply to a command:
/// worth a log line or a control-plane signal.
public enum EngineEvent: Sendable, Equatable {
    /// A reservation ran out of time and its job went back to ready.
    case reservationTimedOut(job: JobID, tube: String)
    /// A worker pool's attempt at a job failed and the job will be retried, with the reason.
    case attemptRetried(job: JobID, tube: String, reason: String)
    /// A job was buried, with the reason.
    case jobBuried(job: JobID, tube: String, reason: String)
}
