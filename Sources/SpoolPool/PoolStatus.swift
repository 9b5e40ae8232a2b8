/// One tube's worker pool as the control plane shows it.
public struct PoolStatus: Sendable, Equatable {
    /// The tube the pool serves.
    public var tube: String
    /// The file that configures it.
    public var file: String
    /// Whether its workers take jobs (per-tube Start/Stop; the manager's Stop
    /// holds every pool without changing this).
    public var isRunning: Bool
    /// How many workers it has, as configured or set by `SetWorkers`.
    public var workers: Int
    /// Workers running a handler now (retiring ones included).
    public var busy: Int
    /// Workers waiting for a job.
    public var idle: Int
    /// Attempts finished since spoold started (stopped ones are not counted).
    public var attempts: UInt64
    /// Attempts that failed (anything but exit 0).
    public var failures: UInt64
    /// Jobs buried after their last attempt.
    public var buried: UInt64
    /// The mean duration of the finished attempts; zero before the first.
    public var averageRunTime: Duration
}
