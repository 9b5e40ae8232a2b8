import SpoolCore

/// The queue's state at one moment, taken on the engine's loop in one go:
/// what the control plane publishes and reads.
public struct QueueSnapshot: Sendable, Equatable {
    /// Whether jobs are handed out (the manager's `Start`/`Stop`).
    public var isProcessing: Bool
    /// Whether puts are refused (SIGUSR1).
    public var isDraining: Bool
    /// The server-wide counts.
    public var stats: EngineStats
    /// Every tube's statistics, by name; empty in a summary.
    public var tubes: [String: TubeStats]
    /// The tubes' names, in `list-tubes` order.
    public var tubeNames: [String]

    /// A snapshot an engine that keeps its jobs elsewhere (a cluster node) made.
    public init(isProcessing: Bool, isDraining: Bool, stats: EngineStats, tubes: [String: TubeStats], tubeNames: [String]) {
        self.isProcessing = isProcessing
        self.isDraining = isDraining
        self.stats = stats
        self.tubes = tubes
        self.tubeNames = tubeNames
    }

    /// Takes the snapshot; on the engine's loop. A summary leaves out the
    /// tubes' statistics, which cost a visit to every tube.
    init(_ engine: Engine, summary: Bool) {
        isProcessing = engine.isProcessing
        isDraining = engine.isDraining
        stats = engine.stats
        tubeNames = engine.tubeNames
        tubes = summary ? [:] : Dictionary(uniqueKeysWithValues: tubeNames.compactMap { engine.tubeStats($0).map { ($0.name, $0) } })
    }
}
