import SpoolCore
import SpoolEngineHost

/// Metrics on a cluster node: the cluster's jobs and tubes (from the
/// database, as `stats-tube` counts them), this node's commands and
/// connections. A node observes no per-tube wait and run times and no
/// commits of its own (PostgreSQL commits; its own statistics tell how);
/// while the database cannot be reached the scrape fails, which a
/// scraper records as the target being down.
extension ClusterHost: MetricsSource {
    public func metrics() async throws -> EngineMetrics {
        let queue = try await snapshot()
        let engine = self.engine
        let (commands, durability) = try await eventLoop.submit {
            (engine.value.serverSnapshot().counters, engine.value.configuration.durability)
        }.get()
        return EngineMetrics(
            queue: queue, commands: commands, durability: durability, storeCondition: .healthy,
            tubeActivity: [], commits: nil)
    }
}
