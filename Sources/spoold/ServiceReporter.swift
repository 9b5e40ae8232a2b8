import DurationConversions
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SpoolEngineHost
import SpoolPool
import Systemd

/// Tells systemd how spoold is doing: READY=1 once it serves, a live STATUS=
/// line, WATCHDOG=1 pings from the serving loop itself, and STOPPING=1. Also
/// notices when the daemon has been idle long enough to exit.
struct ServiceReporter: Sendable {
    let notifier: ServiceNotifier
    let logger: Logger

    private struct State {
        var lastStatus: String
        var idle: IdleCountdown
    }

    /// Sends READY=1 with the first status, then starts the periodic tasks:
    /// the watchdog's pings and, every second, the status line and the idle
    /// count.
    /// - Parameters:
    ///   - first: the engine's status now.
    ///   - every: runs its body with the engine's status at an interval, on
    ///     the engine's loop (so that the watchdog pings prove the loop alive).
    ///   - httpConnections: open HTTP connections, which keep spoold from being idle.
    ///   - idleLimit: seconds in which the engine was idle, no handler ran and
    ///     no HTTP client was connected, after which `onIdle` runs once (0: never).
    func start<Status: ServiceStatus>(
        first: Status, every: (TimeAmount, @escaping @Sendable (Status) -> Void) -> RepeatedTask, pool: WorkerPool,
        httpConnections: @escaping @Sendable () -> Int, idleLimit: UInt32, onIdle: @escaping @Sendable () -> Void
    ) async throws -> [RepeatedTask] {
        let firstLine = Self.statusLine(first.statusLine, try await pool.status())
        notifier.send([.ready, .status(firstLine)], logger: logger)
        var tasks: [RepeatedTask] = []
        if let interval = try Watchdog.interval() {
            // Half the interval, but no more often than every 10 ms: a
            // WATCHDOG_USEC of 1 had the engine's loop ping without pause.
            let half = TimeAmount.nanoseconds(max(interval.nanoseconds / 2, Self.shortestWatchdogPing.nanoseconds))
            logger.info("watchdog enabled", metadata: ["interval": "\(interval)"])
            tasks.append(every(half) { _ in notifier.send([.watchdog], logger: logger) })
        }
        let state = NIOLockedValueBox(State(lastStatus: firstLine, idle: IdleCountdown(limit: idleLimit)))
        tasks.append(every(.seconds(1)) { status in
            let pools = pool.statusOnLoop
            let line = Self.statusLine(status.statusLine, pools)
            let isIdle = status.isIdle && pools.allSatisfy { $0.busy == 0 } && httpConnections() == 0
            let (changed, idle) = state.withLockedValue { state -> (String?, Bool) in
                let changed = line != state.lastStatus
                state.lastStatus = line
                return (changed ? line : nil, state.idle.tick(isIdle: isIdle))
            }
            if let changed { notifier.send([.status(changed)], logger: logger) }
            if idle { onIdle() }
        })
        return tasks
    }

    /// The shortest time between two watchdog pings.
    static let shortestWatchdogPing: TimeAmount = .milliseconds(10)

    /// The STATUS= text: the engine's line, then the pools' workers when there are pools.
    static func statusLine(_ engine: String, _ pools: [PoolStatus]) -> String {
        guard !pools.isEmpty else { return engine }
        let busy = pools.reduce(0) { $0 + $1.busy }
        let workers = pools.reduce(0) { $0 + $1.workers }
        return engine + "; \(busy) of \(workers) workers busy"
    }

    /// Sends STOPPING=1.
    func stopping() {
        notifier.send([.stopping, .status("stopping")], logger: logger)
    }
}
