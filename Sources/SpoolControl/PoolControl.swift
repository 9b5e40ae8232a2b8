/// What the control plane drives of the worker pool. spoold hands it its
/// pool through an adapter, so that the control plane and the pool depend on
/// the engine host and not on each other.
public protocol PoolControl: Sendable {
    /// Every pool's figures, one per tube that has a pool.
    func figures() async throws -> [PoolFigures]
    /// Lets the workers of `tube` take jobs again.
    /// - Throws: ``PoolControlError``.
    func start(tube: String) async throws
    /// Stops the workers of `tube` from taking jobs; running handlers finish.
    /// - Throws: ``PoolControlError``.
    func stop(tube: String) async throws
    /// Gives `tube`'s pool `count` workers until the next reload.
    /// - Throws: ``PoolControlError``.
    func setWorkers(_ count: Int, tube: String) async throws
    /// Reloads the queue directory into the pool; the problems found, one line each (`file:line: problem`).
    func reload() async -> [String]
}

/// One tube's worker pool as the control plane shows it.
public struct PoolFigures: Sendable, Equatable {
    /// The tube the pool serves.
    public var tube: String
    /// Whether its workers take jobs (per-tube Start/Stop).
    public var isRunning: Bool
    /// How many workers it has.
    public var workers: Int
    /// Workers running a handler now.
    public var busy: Int
    /// Workers waiting for a job.
    public var idle: Int
    /// Attempts finished since spoold started.
    public var attempts: UInt64
    /// Attempts that failed.
    public var failures: UInt64
    /// The mean duration of the finished attempts; zero before the first.
    public var averageRunTime: Duration

    /// Describes one pool.
    public init(
        tube: String, isRunning: Bool, workers: Int, busy: Int, idle: Int, attempts: UInt64, failures: UInt64,
        averageRunTime: Duration
    ) {
        self.tube = tube
        self.isRunning = isRunning
        self.workers = workers
        self.busy = busy
        self.idle = idle
        self.attempts = attempts
        self.failures = failures
        self.averageRunTime = averageRunTime
    }
}

/// A request to the worker pool that cannot be met, as the control plane answers it.
public enum PoolControlError: Error {
    /// No queue file configures a pool for the tube; why, in one line.
    case noSuchPool(String)
    /// A worker count out of range; why, in one line.
    case badWorkerCount(String)
}
