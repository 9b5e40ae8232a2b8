/// The values of ``QueueAPI/poolState``.
public enum PoolState: String, Sendable, CaseIterable {
    /// The tube's workers take jobs.
    case running
    /// The tube's pool was stopped (`Stop` on the queue).
    case stopped
    /// No queue file configures a pool for the tube.
    case none
}
