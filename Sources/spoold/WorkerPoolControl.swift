import SpoolControl
import SpoolPool

/// The worker pool as the control plane drives it (``PoolControl``): the
/// only place that knows both.
struct WorkerPoolControl: PoolControl {
    let pool: WorkerPool
    let queues: QueueReloader

    func figures() async throws -> [PoolFigures] {
        try await pool.status().map {
            PoolFigures(
                tube: $0.tube, isRunning: $0.isRunning, workers: $0.workers, busy: $0.busy, idle: $0.idle,
                attempts: $0.attempts, failures: $0.failures, averageRunTime: $0.averageRunTime)
        }
    }

    func start(tube: String) async throws {
        try await translatingErrors { try await pool.start(tube: tube) }
    }

    func stop(tube: String) async throws {
        try await translatingErrors { try await pool.stop(tube: tube) }
    }

    func setWorkers(_ count: Int, tube: String) async throws {
        try await translatingErrors { try await pool.setWorkers(count, tube: tube) }
    }

    func reload() async -> [String] {
        await queues.reload()
    }

    /// The pool's refusals as the control plane answers them.
    private func translatingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as PoolError {
            switch error {
            case .noSuchPool: throw PoolControlError.noSuchPool(error.description)
            case .badWorkerCount: throw PoolControlError.badWorkerCount(error.description)
            }
        }
    }
}
