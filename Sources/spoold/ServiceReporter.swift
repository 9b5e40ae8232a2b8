import DurationConversions
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SpoolPool
import SpoolEngineHost
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

    /// Sends READY=1 with the first status, then starts the periodic tasks.
    /// - Parameters:
    ///   - httpConnections: open HTTP connections, which keep spoold from being idle.
    ///   - idleLimit: seconds of idleness after which `onIdle` runs once (0: never).
    func start(
        host: EngineHost, pool: WorkerPool, httpConnections: @escaping @Sendable () -> Int, idleLimit: UInt32,
        onIdle: @escaping @Sendable () -> Void
    ) async throws -> [RepeatedTask] {
        let first = Self.statusLine(try await host.statusSnapshot().statusLine, try await pool.status())
        notifier.send([.ready, .status(first)], logger: logger)
        var tasks: [RepeatedTask] = []
        if let interval = try Watchdog.interval() {
            let half = TimeAmount.nanoseconds(interval.nanoseconds / 2)
            logger.info("watchdog enabled", metadata: ["interval": "\(interval)"])
            tasks.append(host.every(half) { _ in notifier.send([.watchdog], logger: logger) })
        }
        let state = NIOLockedValueBox(State(lastStatus: first, idle: IdleCountdown(limit: idleLimit)))
        tasks.append(host.every(.seconds(1)) { snapshot in
            let line = Self.statusLine(snapshot.statusLine, pool.statusOnLoop)
            let isIdle = snapshot.isIdle && httpConnections() == 0
            let (status, idle) = state.withLockedValue { state -> (String?, Bool) in
                let changed = line != state.lastStatus
                state.lastStatus = line
                return (changed ? line : nil, state.idle.tick(isIdle: isIdle))
            }
            if let status { notifier.send([.status(status)], logger: logger) }
            if idle { onIdle() }
        })
        return tasks
    }

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
