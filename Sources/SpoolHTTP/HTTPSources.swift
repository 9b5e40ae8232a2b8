import SpoolCore
import SpoolEngineHost
import SpoolPool

/// Where the HTTP listener reads what it shows: the engine (local or a
/// cluster node), its events, and the worker pools. It only reads: nothing
/// served over HTTP changes the queue.
public struct HTTPSources: Sendable {
    /// The engine's metrics.
    public var engine: any MetricsSource
    /// Subscribes to the engine's events (failed attempts and burials).
    public var events: @Sendable (@escaping @Sendable (EngineEvent) -> Void) async throws -> Void
    /// The worker pools' status; empty without a pool.
    public var pools: @Sendable () async -> [PoolStatus]

    /// Sources for the listener.
    public init(
        engine: any MetricsSource,
        events: @escaping @Sendable (@escaping @Sendable (EngineEvent) -> Void) async throws -> Void,
        pools: @escaping @Sendable () async -> [PoolStatus]
    ) {
        self.engine = engine
        self.events = events
        self.pools = pools
    }
}
