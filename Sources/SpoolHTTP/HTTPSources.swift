import SpoolCore
import SpoolEngineHost
import SpoolPool

/// Where the HTTP listener reads what it shows: the engine (local or a
/// cluster node) and the worker pool. It only reads: nothing served over
/// HTTP changes the queue.
public struct HTTPSources: Sendable {
    /// The engine: its metrics, and its events (failed attempts and burials).
    public var engine: any MetricsSource & ControlEngine
    /// The worker pool.
    public var pool: WorkerPool

    /// Sources for the listener.
    public init(engine: any MetricsSource & ControlEngine, pool: WorkerPool) {
        self.engine = engine
        self.pool = pool
    }

    /// The pools' status; empty when it cannot be read now.
    func pools() async -> [PoolStatus] {
        (try? await pool.status()) ?? []
    }
}
