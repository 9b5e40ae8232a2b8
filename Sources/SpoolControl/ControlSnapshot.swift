import DBus
import SpoolCore

/// The queue's state as the control plane publishes it, taken on the
/// engine's loop in one go.
struct ControlSnapshot: Sendable, Equatable {
    var isProcessing: Bool
    var isDraining: Bool
    var stats: EngineStats
    var tubes: [String: TubeStats]

    init(_ engine: Engine) {
        isProcessing = engine.isProcessing
        isDraining = engine.isDraining
        stats = engine.stats
        tubes = Dictionary(uniqueKeysWithValues: engine.tubeNames.compactMap { engine.tubeStats($0).map { ($0.name, $0) } })
    }

    /// `running`, `stopped` (Stop was called) or `draining` (SIGUSR1).
    var state: String { Self.state(isProcessing: isProcessing, isDraining: isDraining) }

    private static func state(isProcessing: Bool, isDraining: Bool) -> String {
        !isProcessing ? "stopped" : isDraining ? "draining" : "running"
    }

    /// A queue's every property, for `InterfacesAdded`.
    static func allQueueProperties(_ tube: TubeStats) -> [String: DBusValue] {
        var properties = queueProperties(tube)
        properties["Name"] = .string(tube.name)
        properties["PauseTimeLeft"] = .uint64(UInt64(max(0, tube.pauseTimeLeft)))
        return properties
    }

    /// The manager's properties that change.
    var managerProperties: [String: DBusValue] {
        Self.managerProperties(stats: stats, state: state)
    }

    /// The manager's properties that change, read straight from the engine
    /// (cheap: no tube is visited).
    static func managerProperties(_ engine: Engine) -> [String: DBusValue] {
        managerProperties(stats: engine.stats, state: state(isProcessing: engine.isProcessing, isDraining: engine.isDraining))
    }

    private static func managerProperties(stats: EngineStats, state: String) -> [String: DBusValue] {
        [
            "State": .string(state),
            "JobsUrgent": .uint64(UInt64(stats.urgent)),
            "JobsReady": .uint64(UInt64(stats.ready)),
            "JobsReserved": .uint64(UInt64(stats.reserved)),
            "JobsDelayed": .uint64(UInt64(stats.delayed)),
            "JobsBuried": .uint64(UInt64(stats.buried)),
            "Connections": .uint32(UInt32(stats.sessions)),
            "Tubes": .uint32(UInt32(stats.tubes)),
            "Workers": .uint32(0),
        ]
    }

    /// A queue's properties that are announced when they change.
    static func queueProperties(_ tube: TubeStats) -> [String: DBusValue] {
        [
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
        ]
    }
}
