import Logging
import NIOCore
import SpoolEngineHost
import SpoolQueueFiles

/// Every tube's pool, on the engine's loop: what ``WorkerPool`` drives.
final class PoolRegistry {
    let engine: any WorkerEngine
    private let killGracePeriod: Duration
    private let logger: Logger
    /// The configured pools, by tube.
    private var pools: [String: TubePool] = [:]
    /// Pools whose file went away, until their last handler ends.
    private var dissolving: [TubePool] = []
    /// Told when no handler runs any more.
    private var idleWaiters: [EventLoopPromise<Void>] = []

    init(engine: any WorkerEngine, killGracePeriod: Duration, logger: Logger) {
        self.engine = engine
        self.killGracePeriod = killGracePeriod
        self.logger = logger
    }

    /// Makes the pools match `queues`: new ones start, changed ones take their
    /// new configuration, and those no longer configured stop taking jobs and
    /// go once their handlers end; except pools configured by a file in
    /// `keeping` (a file that now fails to load), which keep their old configuration.
    func configure(_ queues: [QueueConfiguration], keeping: Set<String>) -> PoolChanges {
        var changes = PoolChanges()
        let wanted = Dictionary(queues.map { ($0.tube, $0) }, uniquingKeysWith: { first, _ in first })
        for (tube, pool) in pools where wanted[tube] == nil {
            if keeping.contains(pool.configuration.file) {
                changes.kept.append(tube)
                continue
            }
            pools[tube] = nil
            pool.dissolve()
            if pool.busyCount > 0 { dissolving.append(pool) }
            changes.removed.append(tube)
        }
        for (tube, queue) in wanted {
            if let pool = pools[tube] {
                guard pool.configuration != queue else { continue }
                pool.reconfigure(queue)
                changes.changed.append(tube)
            } else {
                let pool = TubePool(configuration: queue, engine: engine, killGracePeriod: killGracePeriod, logger: logger)
                pool.onWorkerFreed = { [unowned self] in workerFreed() }
                pools[tube] = pool
                changes.added.append(tube)
            }
        }
        changes.sort()
        return changes
    }

    /// The pool of `tube`.
    func pool(_ tube: String) throws(PoolError) -> TubePool {
        guard let pool = pools[tube] else { throw PoolError.noSuchPool(tube) }
        return pool
    }

    /// Every configured pool's status, by tube name.
    var status: [PoolStatus] {
        pools.values.map(\.status).sorted { $0.tube < $1.tube }
    }

    /// Stops every pool from taking jobs (the start of a shutdown).
    func stopAll() {
        pools.values.forEach { $0.stop() }
    }

    /// Stops every running handler.
    func cancelAttempts() {
        (Array(pools.values) + dissolving).forEach { $0.cancelAttempts() }
    }

    /// Retires every worker; called once no handler runs.
    func closeAll() {
        pools.values.forEach { $0.dissolve() }
        pools = [:]
    }

    /// A future that succeeds once no handler runs.
    func whenIdle() -> EventLoopFuture<Void> {
        let promise = engine.eventLoop.makePromise(of: Void.self)
        idleWaiters.append(promise)
        workerFreed()
        return promise.futureResult
    }

    private var busyCount: Int {
        (Array(pools.values) + dissolving).reduce(0) { $0 + $1.busyCount }
    }

    private func workerFreed() {
        dissolving.removeAll { $0.busyCount == 0 }
        guard !idleWaiters.isEmpty, busyCount == 0 else { return }
        let waiters = idleWaiters
        idleWaiters = []
        waiters.forEach { $0.succeed() }
    }
}

/// What a reload changed, by tube name.
public struct PoolChanges: Sendable, Equatable {
    /// Pools that were created.
    public var added: [String] = []
    /// Pools that took a new configuration.
    public var changed: [String] = []
    /// Pools that were removed.
    public var removed: [String] = []
    /// Pools whose file failed to load and that keep their old configuration.
    public var kept: [String] = []

    mutating func sort() {
        added.sort()
        changed.sort()
        removed.sort()
        kept.sort()
    }
}
