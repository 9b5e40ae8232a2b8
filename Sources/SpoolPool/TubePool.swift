import DurationConversions
import Logging
import ProcessSupervisor
import SpoolCore
import SpoolEngineHost
import SpoolQueueFiles
import SpoolSandbox

/// The workers of one tube, their configuration and counters. Lives on the
/// engine's loop.
final class TubePool {
    let tube: String
    let engine: any WorkerEngine
    let killGracePeriod: Duration
    private let logger: Logger
    /// The queue's configuration; a reload replaces it for the next attempts.
    private(set) var configuration: QueueConfiguration {
        didSet {
            sandbox = Self.sandbox(configuration)
            sandboxGeneration += 1
        }
    }
    /// The queue's sandbox, or why it cannot be built.
    private(set) var sandbox: Result<HandlerSandbox, SandboxError>
    /// Counts the sandboxes built, so that a worker knows when what it made
    /// for one (its temporary directory) is out of date.
    private(set) var sandboxGeneration = 0
    /// Whether the workers take jobs.
    private(set) var isRunning = true
    /// The workers that take jobs.
    private var workers: [PoolWorker] = []
    /// Workers that were retired while running a handler, until it ends.
    private var retiring: [PoolWorker] = []
    private var statistics = PoolStatistics()
    /// Called whenever a worker stops holding a job, for the pool registry.
    var onWorkerFreed: (() -> Void)?

    init(configuration: QueueConfiguration, engine: any WorkerEngine, killGracePeriod: Duration, logger: Logger) {
        tube = configuration.tube
        self.configuration = configuration
        sandbox = Self.sandbox(configuration)
        self.engine = engine
        self.killGracePeriod = killGracePeriod
        self.logger = logger
        applyTubeRules()
        resize(to: configuration.workers)
    }

    /// Takes a new configuration of the same tube: running attempts finish
    /// as they started, the next ones use it.
    func reconfigure(_ configuration: QueueConfiguration) {
        self.configuration = configuration
        applyTubeRules()
        resize(to: configuration.workers)
    }

    private static func sandbox(_ configuration: QueueConfiguration) -> Result<HandlerSandbox, SandboxError> {
        Result { () throws(SandboxError) in try HandlerSandbox(configuration.sandbox) }
    }

    private func applyTubeRules() {
        engine.applyTubeRules(
            tube, agingAfter: configuration.agingAfter?.nanoseconds, maxJobs: configuration.maxJobs,
            maxBytes: configuration.maxBytes, waitWhenFull: configuration.waitWhenFull)
    }

    /// Adds or retires workers to have `count`; idle ones retire first.
    func resize(to count: Int) {
        while workers.count < count {
            let worker = PoolWorker(pool: self)
            workers.append(worker)
            worker.takeNextJob()
        }
        while workers.count > count {
            let index = workers.lastIndex { !$0.isBusy } ?? workers.count - 1
            retire(workers.remove(at: index))
        }
    }

    /// Lets the workers take jobs again.
    func start() {
        isRunning = true
        workers.forEach { $0.takeNextJob() }
    }

    /// Stops taking jobs; running handlers finish.
    func stop() {
        isRunning = false
        workers.forEach { $0.stopWaiting() }
    }

    /// Retires every worker: the pool's file is gone, and with it the
    /// tube's rules (aging, limits), which go back to spoold's defaults.
    func dissolve() {
        stop()
        resize(to: 0)
        engine.applyTubeRules(configuration.tube, agingAfter: nil, maxJobs: nil, maxBytes: nil, waitWhenFull: nil)
    }

    /// Stops every running handler, for a shutdown past its grace period.
    func cancelAttempts() {
        (workers + retiring).forEach { $0.cancelAttempt() }
    }

    /// How many handlers run now.
    var busyCount: Int { (workers + retiring).lazy.filter(\.isBusy).count }

    private func retire(_ worker: PoolWorker) {
        worker.retire()
        if worker.isBusy { retiring.append(worker) }
    }

    /// A retired worker's last attempt is over.
    func workerEnded(_ worker: PoolWorker) {
        retiring.removeAll { $0 === worker }
    }

    /// Counts and logs a finished attempt.
    func attemptFinished(_ context: AttemptContext, _ result: AttemptResult, _ verdict: AttemptVerdict, applied: Bool) {
        statistics.record(verdict, duration: result.duration)
        AttemptLog.record(context, result, verdict, applied: applied, logger: logger)
    }

    /// A worker holds no job any more.
    func workerFreed() {
        onWorkerFreed?()
    }

    /// The pool as the control plane shows it.
    var status: PoolStatus {
        let busy = busyCount
        return PoolStatus(
            tube: tube, file: configuration.file, isRunning: isRunning, workers: workers.count, busy: busy,
            idle: workers.lazy.filter { !$0.isBusy }.count, attempts: statistics.attempts,
            failures: statistics.failures, buried: statistics.buried, averageRunTime: statistics.averageRunTime)
    }
}
