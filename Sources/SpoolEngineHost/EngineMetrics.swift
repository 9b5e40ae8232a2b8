import SpoolCore

/// Everything the metrics endpoint and the dashboard show of an engine,
/// taken in one visit to it.
public struct EngineMetrics: Sendable {
    /// The queue's state with every tube's statistics.
    public var queue: QueueSnapshot
    /// The commands received since start.
    public var commands: CommandCounters
    /// The store's durability mode (`always`, `off`, `postgresql`, ...).
    public var durability: String
    /// Whether the store takes changes now.
    public var storeCondition: StoreCondition
    /// What happened in each observed tube since start; empty when the
    /// engine does not observe it (a cluster node).
    public var tubeActivity: [TubeActivity]
    /// How the store's commits went; nil when it commits nothing (memory).
    public var commits: CommitActivity?

    /// Metrics an engine assembled.
    public init(
        queue: QueueSnapshot, commands: CommandCounters, durability: String, storeCondition: StoreCondition,
        tubeActivity: [TubeActivity], commits: CommitActivity?
    ) {
        self.queue = queue
        self.commands = commands
        self.durability = durability
        self.storeCondition = storeCondition
        self.tubeActivity = tubeActivity
        self.commits = commits
    }
}

/// An engine that tells its ``EngineMetrics``: the seam between the HTTP
/// surface and the engines behind it (``EngineHost``, a cluster node).
public protocol MetricsSource: Sendable {
    /// The engine's metrics now.
    func metrics() async throws -> EngineMetrics
}

extension EngineHost: MetricsSource {}
