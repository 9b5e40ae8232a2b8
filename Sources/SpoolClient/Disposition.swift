/// What a ``Consumer``'s handler decides for its job.
public enum Disposition: Sendable, Equatable {
    /// The job is done: delete it.
    case delete
    /// Put the job back, ready again after `delay` (in whole seconds, rounded
    /// up), with `priority`.
    case release(priority: UInt32 = 1024, delay: Duration = .zero)
    /// Set the job aside until someone kicks it, with `priority`.
    case bury(priority: UInt32 = 1024)
}
