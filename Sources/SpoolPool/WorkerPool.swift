import DurationConversions
import Logging
import NIOCore
import ProcessSupervisor
import SpoolEngineHost
import SpoolQueueFiles

/// spoold's worker pool: for each configured tube, workers that take its jobs
/// in the tube's order and run the queue's handler for each as an isolated
/// process (see ``HandlerProcess``). A handler's exit status decides: 0
/// deletes the job, 75 retries it after the backoff, anything else retries
/// it until `MaxAttempts=`, then buries it with the reason.
///
/// Workers are engine sessions of spoold's own: they take jobs exactly as
/// protocol clients do, so external consumers can serve the same tube at the
/// same time, and `Stop` on the control plane holds them as it holds every
/// client. All of the pool's state lives on the engine's loop; this type
/// hands requests to it from any thread.
public final class WorkerPool: Sendable {
    private let eventLoop: EventLoop
    private let registry: NIOLoopBound<PoolRegistry>

    /// An empty pool for the engine that `engine` returns on `eventLoop`
    /// (the local engine, or a cluster node's).
    /// - Parameter killGracePeriod: how long a handler has between `SIGTERM`
    ///   and `SIGKILL`, after its timeout or at shutdown.
    public init(
        eventLoop: EventLoop, engine: @escaping @Sendable () -> any WorkerEngine, logger: Logger,
        killGracePeriod: Duration = .seconds(5)
    ) async throws {
        self.eventLoop = eventLoop
        registry = try await eventLoop.submit {
            NIOLoopBound(PoolRegistry(engine: engine(), killGracePeriod: killGracePeriod, logger: logger), eventLoop: eventLoop)
        }.get()
    }

    /// An empty pool for `host`'s local engine.
    public convenience init(host: EngineHost, logger: Logger, killGracePeriod: Duration = .seconds(5)) async throws {
        try await self.init(eventLoop: host.eventLoop, engine: { host.onLoop }, logger: logger, killGracePeriod: killGracePeriod)
    }

    /// Makes the pools match `queues` (at start, and on every reload) without
    /// losing or repeating a job: running handlers finish under the
    /// configuration they started with.
    /// - Parameter keeping: files that failed to load; the pools they
    ///   configured keep their old configuration.
    @discardableResult
    public func configure(_ queues: [QueueConfiguration], keeping: Set<String> = []) async throws -> PoolChanges {
        let registry = self.registry
        return try await eventLoop.submit { registry.value.configure(queues, keeping: keeping) }.get()
    }

    /// Lets the workers of `tube` take jobs again.
    public func start(tube: String) async throws {
        try await onLoop { try $0.pool(tube).start() }
    }

    /// Stops the workers of `tube` from taking jobs; running handlers finish.
    public func stop(tube: String) async throws {
        try await onLoop { try $0.pool(tube).stop() }
    }

    /// Gives `tube`'s pool `count` workers (0 to 256) until the next reload;
    /// workers beyond it end after their running handler.
    public func setWorkers(_ count: Int, tube: String) async throws {
        guard (0...PoolError.maximumWorkers).contains(count) else { throw PoolError.badWorkerCount(count) }
        try await onLoop { try $0.pool(tube).resize(to: count) }
    }

    /// Every pool's status, sorted by tube.
    public func status() async throws -> [PoolStatus] {
        try await onLoop { $0.status }
    }

    /// Every pool's status, read on the engine's loop, for code already there.
    /// - Precondition: called on the host's event loop.
    public var statusOnLoop: [PoolStatus] { registry.value.status }

    /// Stops the pool for a shutdown: no worker takes another job, running
    /// handlers have `gracePeriod` to finish, then get `SIGTERM` (and
    /// `SIGKILL` after the kill grace period) and their jobs are released.
    /// Returns once every handler has ended and the jobs' new states are durable.
    public func shutdown(gracePeriod: Duration) async {
        let registry = self.registry
        let eventLoop = self.eventLoop
        guard let idle = try? await eventLoop.submit({ () -> EventLoopFuture<Void> in
            registry.value.stopAll()
            return registry.value.whenIdle()
        }).get() else { return }
        let cancel = eventLoop.scheduleTask(in: .nanoseconds(gracePeriod.nanoseconds)) {
            registry.value.cancelAttempts()
        }
        try? await idle.get()
        cancel.cancel()
        try? await eventLoop.flatSubmit {
            registry.value.closeAll()
            CgroupTree.removeThisProcessTree()
            let durable = eventLoop.makePromise(of: Void.self)
            registry.value.engine.whenAllDurable { durable.succeed() }
            return durable.futureResult
        }.get()
        await HandlerTemporaryDirectory.removeBase()
    }

    private func onLoop<T: Sendable>(_ body: @escaping @Sendable (PoolRegistry) throws -> T) async throws -> T {
        let registry = self.registry
        return try await eventLoop.submit { try body(registry.value) }.get()
    }
}
