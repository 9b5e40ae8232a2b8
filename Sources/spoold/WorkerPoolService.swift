import Logging
import ServiceLifecycle
import SpoolEngineHost
import SpoolPool

/// The worker pool, with the queue directory loaded; at shutdown no worker
/// takes another job, and running handlers get the stop timeout to finish.
struct WorkerPoolService: Service {
    /// The pool and its reloader, for the services that drive them.
    struct Pool: Sendable {
        let pool: WorkerPool
        let queues: QueueReloader
    }

    let host: EngineHostService
    let listeners: ListenerService
    let queuesDirectory: String
    let stopTimeout: Duration
    let logger: Logger
    let started = Started<Pool>()

    func run() async throws {
        guard let host = try? await host.started.value, (try? await listeners.started.value) != nil else { return await started.failAndAwaitShutdown() }
        let pool: WorkerPool
        do {
            pool = try await WorkerPool(host: host, logger: logger)
        } catch {
            started.fail()
            throw StartupError(message: "cannot start the worker pool: \(error)")
        }
        let queues = QueueReloader(directory: queuesDirectory, pool: pool, logger: logger)
        _ = await queues.load()
        started.succeed(Pool(pool: pool, queues: queues))
        try? await gracefulShutdown()
        await pool.shutdown(gracePeriod: stopTimeout)
    }
}
