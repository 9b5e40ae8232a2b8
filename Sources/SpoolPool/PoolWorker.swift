import DurationConversions
import NIOCore
import ProcessSupervisor
import SpoolCore
import SpoolEngineHost
import SpoolQueueFiles

/// One worker of a tube's pool: an engine session of spoold's own that
/// watches the tube alone, takes one job at a time in the tube's order and
/// runs its handler as an isolated process. Lives on the engine's loop; the
/// handler runs on a thread of its own, so the loop never waits for it.
final class PoolWorker: SessionDelegate {
    /// The most bytes kept of a handler's standard output and of its standard error.
    static let outputLimit = 64 << 10
    /// How much longer than its handler may run a worker holds its job's
    /// reservation: enough to reap the handler and drain its output.
    static let holdMargin = Duration.seconds(30)

    /// The pool; held strongly, so that a pool that was removed lives until
    /// its last attempt is over.
    private let pool: TubePool
    private let session: Session
    /// The attempt under way; nil while the worker waits for a job.
    private var attempt: Task<Void, Never>?
    /// Set when the pool shrinks or goes away: the worker ends after its attempt.
    private(set) var isRetiring = false
    private var isClosed = false

    init(pool: TubePool) {
        self.pool = pool
        session = pool.engine.openWorkerSession(watching: pool.tube)
        session.delegate = self
    }

    /// Whether a handler is running for this worker.
    var isBusy: Bool { attempt != nil }

    /// Asks the engine for the next job, unless the worker is busy, waiting,
    /// retiring or its pool is stopped.
    func takeNextJob() {
        guard attempt == nil, !isRetiring, !isClosed, pool.isRunning, !session.isWaitingForJob else { return }
        if let outcome = pool.engine.reserve(session) { handle(outcome) }
    }

    /// Stops waiting for a job (the pool was stopped); a running attempt goes on.
    func stopWaiting() {
        guard session.isWaitingForJob else { return }
        pool.engine.stopWaiting(session)
    }

    /// Marks the worker to end: at once when idle, else after its attempt.
    func retire() {
        isRetiring = true
        stopWaiting()
        if attempt == nil { close() }
    }

    /// Stops the running handler (spoold is shutting down); its job is released.
    func cancelAttempt() {
        attempt?.cancel()
    }

    /// The engine hands a job over from inside another operation: the work is
    /// done in a later turn of the loop, never re-entering the engine.
    func session(_ session: Session, didFinishWaiting outcome: ReserveOutcome) {
        let bound = NIOLoopBound(self, eventLoop: pool.engine.eventLoop)
        pool.engine.eventLoop.execute { bound.value.handle(outcome) }
    }

    private func handle(_ outcome: ReserveOutcome) {
        guard !isClosed else { return }
        switch outcome {
        case .reserved(let job):
            // A job's handler starts once its put is durable.
            let bound = NIOLoopBound(self, eventLoop: pool.engine.eventLoop)
            pool.engine.whenDurable(job.durableAfter) { _ in bound.value.run(job) }
        case .deadlineSoon, .timedOut: takeNextJob()
        }
    }

    /// Starts the handler for `job`, holding its reservation for as long as the handler may run.
    private func run(_ job: ReservedJob) {
        let engine = pool.engine
        guard let stats = engine.jobStats(job.id) else { return takeNextJob() }
        let queue = pool.configuration
        let number = Int(stats.attempts) + 1
        let timeout = queue.timeout ?? .seconds(stats.ttr)
        let hold = timeout + pool.killGracePeriod + Self.holdMargin
        engine.hold(session, id: job.id, for: hold.nanoseconds)
        let process = HandlerProcess(
            command: HandlerCommand(queue: queue, jobID: job.id, attempt: number, priority: stats.priority),
            timeout: timeout, killGracePeriod: pool.killGracePeriod, outputLimit: Self.outputLimit)
        let input = Array(job.body.readableBytesView)
        let bound = NIOLoopBound(self, eventLoop: engine.eventLoop)
        let eventLoop = engine.eventLoop
        let context = AttemptContext(job: job.id, tube: queue.tube, priority: stats.priority, number: number, timeout: timeout, queue: queue)
        attempt = Task {
            let result = await process.run(input: input)
            eventLoop.execute { bound.value.finish(context, result) }
        }
    }

    /// Applies the verdict on a finished attempt, then takes the next job.
    private func finish(_ context: AttemptContext, _ result: AttemptResult) {
        attempt = nil
        var random = SystemRandomNumberGenerator()
        let verdict = AttemptVerdict(
            result: result, attempt: context.number, queue: context.queue, timeout: context.timeout, random: &random)
        let engine = pool.engine
        let applied = switch verdict {
        case .delete: engine.delete(session, id: context.job)
        case .release: engine.release(session, id: context.job, priority: context.priority)
        case .retry(let delay, let reason): engine.fail(session, id: context.job, reason: reason, retryAfter: delay.nanoseconds)
        case .bury(let reason): engine.fail(session, id: context.job, reason: reason, retryAfter: nil)
        }
        pool.attemptFinished(context, result, verdict, applied: applied)
        if isRetiring {
            close()
            pool.workerEnded(self)
        } else {
            takeNextJob()
        }
    }

    /// Closes the worker's session; only while no attempt runs.
    private func close() {
        guard !isClosed else { return }
        isClosed = true
        pool.engine.closeSession(session)
    }
}

/// What a worker remembers of an attempt while its handler runs.
struct AttemptContext: Sendable {
    let job: JobID
    let tube: String
    let priority: UInt32
    /// The attempt's number, counted from 1.
    let number: Int
    let timeout: Duration
    /// The queue's configuration when the attempt started (a reload does not change it).
    let queue: QueueConfiguration
}
