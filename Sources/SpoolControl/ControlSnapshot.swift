import DBus
import SpoolCore
import SpoolEngineHost
import SpoolPool

/// The queue's state as the control plane publishes it: the engine's and the pools'.
struct ControlSnapshot: Sendable, Equatable {
    var isProcessing: Bool
    var isDraining: Bool
    var stats: EngineStats
    var tubes: [String: TubeStats]
    var pools: [String: PoolStatus]

    /// Pairs the queue's snapshot with the pools' status.
    init(_ queue: QueueSnapshot, pools: [PoolStatus]) {
        isProcessing = queue.isProcessing
        isDraining = queue.isDraining
        stats = queue.stats
        tubes = queue.tubes
        self.pools = Dictionary(pools.map { ($0.tube, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// `running`, `stopped` (Stop was called) or `draining` (SIGUSR1).
    var state: String { Self.state(isProcessing: isProcessing, isDraining: isDraining) }

    private static func state(isProcessing: Bool, isDraining: Bool) -> String {
        !isProcessing ? "stopped" : isDraining ? "draining" : "running"
    }

    /// A queue's every property, for `InterfacesAdded`.
    static func allQueueProperties(_ tube: TubeStats, pool: PoolStatus?) -> [String: DBusValue] {
        var properties = queueProperties(tube, pool: pool)
        properties["Name"] = .string(tube.name)
        properties["PauseTimeLeft"] = .uint64(UInt64(max(0, tube.pauseTimeLeft)))
        return properties
    }

    /// The manager's properties that change.
    var managerProperties: [String: DBusValue] {
        Self.managerProperties(stats: stats, state: state, pools: pools.values)
    }

    /// The manager's properties that change, from a summary of the queue
    /// (cheap: no tube is visited) and the pools' status.
    static func managerProperties(_ queue: QueueSnapshot, pools: [PoolStatus]) -> [String: DBusValue] {
        managerProperties(
            stats: queue.stats, state: state(isProcessing: queue.isProcessing, isDraining: queue.isDraining), pools: pools)
    }

    private static func managerProperties(stats: EngineStats, state: String, pools: some Collection<PoolStatus>) -> [String: DBusValue] {
        [
            "State": .string(state),
            "JobsUrgent": .uint64(UInt64(stats.urgent)),
            "JobsReady": .uint64(UInt64(stats.ready)),
            "JobsReserved": .uint64(UInt64(stats.reserved)),
            "JobsDelayed": .uint64(UInt64(stats.delayed)),
            "JobsBuried": .uint64(UInt64(stats.buried)),
            "Connections": .uint32(UInt32(stats.sessions)),
            "Tubes": .uint32(UInt32(stats.tubes)),
            "Workers": .uint32(UInt32(clamping: pools.reduce(0) { $0 + $1.workers })),
            "WorkersBusy": .uint32(UInt32(clamping: pools.reduce(0) { $0 + $1.busy })),
            "WorkersIdle": .uint32(UInt32(clamping: pools.reduce(0) { $0 + $1.idle })),
        ]
    }

    /// A queue's properties that are announced when they change; its pool's
    /// are zero, and `PoolState` is `none`, when it has no pool.
    static func queueProperties(_ tube: TubeStats, pool: PoolStatus?) -> [String: DBusValue] {
        let (seconds, attoseconds) = (pool?.averageRunTime ?? .zero).components
        return [
            "JobsUrgent": .uint64(UInt64(tube.urgent)),
            "JobsReady": .uint64(UInt64(tube.ready)),
            "JobsReserved": .uint64(UInt64(tube.reserved)),
            "JobsDelayed": .uint64(UInt64(tube.delayed)),
            "JobsBuried": .uint64(UInt64(tube.buried)),
            "TotalJobs": .uint64(tube.totalJobs),
            "Deletes": .uint64(tube.deletes),
            "Using": .uint32(UInt32(tube.using)),
            "Watching": .uint32(UInt32(tube.watching)),
            "Waiting": .uint32(UInt32(tube.waiting)),
            "Paused": .boolean(tube.pauseSeconds > 0),
            "PauseSeconds": .uint64(UInt64(max(0, tube.pauseSeconds))),
            "PoolState": .string(pool.map { $0.isRunning ? "running" : "stopped" } ?? "none"),
            "Workers": .uint32(UInt32(clamping: pool?.workers ?? 0)),
            "WorkersBusy": .uint32(UInt32(clamping: pool?.busy ?? 0)),
            "WorkersIdle": .uint32(UInt32(clamping: pool?.idle ?? 0)),
            "Attempts": .uint64(pool?.attempts ?? 0),
            "Failures": .uint64(pool?.failures ?? 0),
            "AverageRunTime": .double(Double(seconds) + Double(attoseconds) / 1e18),
        ]
    }
}
