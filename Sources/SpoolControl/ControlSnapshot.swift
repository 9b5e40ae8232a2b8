import DBus
import DurationConversions
import SpoolControlAPI
import SpoolCore
import SpoolEngineHost

/// The queue's state as the control plane publishes it: the engine's and the pools'.
struct ControlSnapshot: Sendable, Equatable {
    var isProcessing: Bool
    var isDraining: Bool
    var stats: EngineStats
    var tubes: [String: TubeStats]
    var pools: [String: PoolFigures]

    /// Pairs the queue's snapshot with the pools' status.
    init(_ queue: QueueSnapshot, pools: [PoolFigures]) {
        isProcessing = queue.isProcessing
        isDraining = queue.isDraining
        stats = queue.stats
        tubes = queue.tubes
        self.pools = Dictionary(pools.map { ($0.tube, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// `running`, `stopped` (Stop was called) or `draining` (SIGUSR1).
    var state: String { Self.state(isProcessing: isProcessing, isDraining: isDraining) }

    private static func state(isProcessing: Bool, isDraining: Bool) -> String {
        (!isProcessing ? ManagerState.stopped : isDraining ? .draining : .running).rawValue
    }

    /// A queue's every property, for `InterfacesAdded`.
    static func allQueueProperties(_ tube: TubeStats, pool: PoolFigures?) -> [String: DBusValue] {
        var properties = queueProperties(tube, pool: pool)
        properties[QueueAPI.name.name.rawValue] = .string(tube.name)
        properties[QueueAPI.pauseTimeLeft.name.rawValue] = .uint64(UInt64(max(0, tube.pauseTimeLeft)))
        return properties
    }

    /// The manager's properties that change.
    var managerProperties: [String: DBusValue] {
        Self.managerProperties(stats: stats, state: state, pools: pools.values)
    }

    /// The manager's properties that change, from a summary of the queue
    /// (cheap: no tube is visited) and the pools' status.
    static func managerProperties(_ queue: QueueSnapshot, pools: [PoolFigures]) -> [String: DBusValue] {
        managerProperties(
            stats: queue.stats, state: state(isProcessing: queue.isProcessing, isDraining: queue.isDraining), pools: pools)
    }

    private static func managerProperties(stats: EngineStats, state: String, pools: some Collection<PoolFigures>) -> [String: DBusValue] {
        [
            ManagerAPI.state.name.rawValue: .string(state),
            ManagerAPI.jobsUrgent.name.rawValue: .uint64(UInt64(stats.urgent)),
            ManagerAPI.jobsReady.name.rawValue: .uint64(UInt64(stats.ready)),
            ManagerAPI.jobsReserved.name.rawValue: .uint64(UInt64(stats.reserved)),
            ManagerAPI.jobsDelayed.name.rawValue: .uint64(UInt64(stats.delayed)),
            ManagerAPI.jobsBuried.name.rawValue: .uint64(UInt64(stats.buried)),
            ManagerAPI.connections.name.rawValue: .uint32(UInt32(stats.sessions)),
            ManagerAPI.tubes.name.rawValue: .uint32(UInt32(stats.tubes)),
            ManagerAPI.workers.name.rawValue: .uint32(UInt32(clamping: pools.reduce(0) { $0 + $1.workers })),
            ManagerAPI.workersBusy.name.rawValue: .uint32(UInt32(clamping: pools.reduce(0) { $0 + $1.busy })),
            ManagerAPI.workersIdle.name.rawValue: .uint32(UInt32(clamping: pools.reduce(0) { $0 + $1.idle })),
        ]
    }

    /// A queue's properties that are announced when they change; its pool's
    /// are zero, and `PoolState` is `none`, when it has no pool.
    static func queueProperties(_ tube: TubeStats, pool: PoolFigures?) -> [String: DBusValue] {
        return [
            QueueAPI.jobsUrgent.name.rawValue: .uint64(UInt64(tube.urgent)),
            QueueAPI.jobsReady.name.rawValue: .uint64(UInt64(tube.ready)),
            QueueAPI.jobsReserved.name.rawValue: .uint64(UInt64(tube.reserved)),
            QueueAPI.jobsDelayed.name.rawValue: .uint64(UInt64(tube.delayed)),
            QueueAPI.jobsBuried.name.rawValue: .uint64(UInt64(tube.buried)),
            QueueAPI.totalJobs.name.rawValue: .uint64(tube.totalJobs),
            QueueAPI.deletes.name.rawValue: .uint64(tube.deletes),
            QueueAPI.using.name.rawValue: .uint32(UInt32(tube.using)),
            QueueAPI.watching.name.rawValue: .uint32(UInt32(tube.watching)),
            QueueAPI.waiting.name.rawValue: .uint32(UInt32(tube.waiting)),
            QueueAPI.paused.name.rawValue: .boolean(tube.pauseSeconds > 0),
            QueueAPI.pauseSeconds.name.rawValue: .uint64(UInt64(max(0, tube.pauseSeconds))),
            QueueAPI.bytes.name.rawValue: .uint64(UInt64(tube.bytes)),
            QueueAPI.maxJobs.name.rawValue: .uint64(tube.limits.maxJobs.map(UInt64.init) ?? .max),
            QueueAPI.maxBytes.name.rawValue: .uint64(tube.limits.maxBytes.map(UInt64.init) ?? .max),
            QueueAPI.whenFull.name.rawValue: .string(tube.limits.whenFull.rawValue),
            QueueAPI.putsWaiting.name.rawValue: .uint32(UInt32(clamping: tube.waitingPuts)),
            QueueAPI.poolState.name.rawValue: .string((pool.map { $0.isRunning ? PoolState.running : .stopped } ?? .none).rawValue),
            QueueAPI.workers.name.rawValue: .uint32(UInt32(clamping: pool?.workers ?? 0)),
            QueueAPI.workersBusy.name.rawValue: .uint32(UInt32(clamping: pool?.busy ?? 0)),
            QueueAPI.workersIdle.name.rawValue: .uint32(UInt32(clamping: pool?.idle ?? 0)),
            QueueAPI.attempts.name.rawValue: .uint64(pool?.attempts ?? 0),
            QueueAPI.failures.name.rawValue: .uint64(pool?.failures ?? 0),
            QueueAPI.averageRunTime.name.rawValue: .double((pool?.averageRunTime ?? .zero).inSeconds),
        ]
    }
}
