import DurationConversions
import NIOCore
import ProcessSupervisor
import SpoolCore
import SpoolEngineHost
import SpoolQueueFiles
import SpoolSandbox

/// One worker of a tube's pool: an engine worker (``EngineWorker``) that
/// watches the tube alone, takes one job at a time in the tube's order and
/// runs its handler as an isolated process. Lives on the engine's loop; the
/// handler runs on a thread of its own, so the loop never waits for it.
final class PoolWorker: EngineWorkerDelegate {
    /// The most bytes kept of a handler's standard output and of its standard error.
    static let outputLimit = 64 << 10
    /// How much longer than its handler may run a worker holds its job's
    /// reservation: enough to reap the handler and drain its output.
    static let holdMargin = Duration.seconds(30)

    /// The pool; held strongly, so that a pool that was removed lives until
    /// its last attempt is over.
    private let pool: TubePool
    private var worker: EngineWorker!
    /// The job taken, from when it is taken until its outcome is applied.
    private var job: JobID?
    /// The handler running for `job`.
    private var attempt: Task<Void, Never>?
    /// The cgroup this worker's handlers run in, made when its queue first
    /// sets a cgroup limit (`MemoryMax=` ...) and kept until the worker ends.
    private var cgroup: HandlerCgroup?
    /// The directory this worker's handlers get as `TMPDIR` where their
    /// sandbox asks for one (``HandlerSandbox/needsTemporaryDirectory``),
    /// made for the pool's sandbox of that generation and kept until the
    /// sandbox changes or the worker ends.
    private var temporaryDirectory: (generation: Int, directory: HandlerTemporaryDirectory)?
    /// Set when the pool shrinks or goes away: the worker ends after its attempt.
    private(set) var isRetiring = false
    private var isClosed = false

    init(pool: TubePool) {
        self.pool = pool
        worker = pool.engine.openWorker(watching: pool.tube, delegate: self)
    }

    /// Whether the worker holds a job (its handler runs, or is about to).
    var isBusy: Bool { job != nil }

    /// Asks the engine for the next job, unless the worker is busy, waiting,
    /// retiring or its pool is stopped.
    func takeNextJob() {
        guard job == nil, !isRetiring, !isClosed, pool.isRunning, !worker.isWaiting else { return }
        worker.takeNext()
    }

    /// Stops waiting for a job (the pool was stopped); a running attempt goes on.
    func stopWaiting() {
        worker.stopWaiting()
    }

    /// Marks the worker to end: at once when idle, else after its attempt.
    func retire() {
        isRetiring = true
        stopWaiting()
        if job == nil { close() }
    }

    /// Stops the running handler (spoold is shutting down); its job is released.
    func cancelAttempt() {
        attempt?.cancel()
    }

    /// Holds the job for as long as its handler may run, then starts the handler.
    func worker(_ worker: EngineWorker, didTake job: WorkerJob) {
        guard !isClosed else { return }
        self.job = job.id
        let queue = pool.configuration
        let timeout = queue.timeout ?? .seconds(job.ttr)
        let hold = timeout + pool.killGracePeriod + Self.holdMargin
        let bound = NIOLoopBound(self, eventLoop: pool.engine.eventLoop)
        worker.hold(job.id, for: hold) { held in
            // A job lost before its handler started (the node lost the
            // database) is not an attempt.
            guard held else { return bound.value.jobEnded() }
            bound.value.run(job, timeout: timeout)
        }
    }

    /// Starts the handler for `job`.
    private func run(_ job: WorkerJob, timeout: Duration) {
        let queue = pool.configuration
        let number = Int(job.attempts) + 1
        var command = HandlerCommand(queue: queue, jobID: job.id, attempt: number, priority: job.priority)
        let sandbox = pool.sandbox.flatMap { built in
            handlerTemporaryDirectory(for: built).map { directory in
                built.apply(to: &command, temporaryDirectory: directory)
                return built
            }
        }
        let cgroup = queue.cgroupLimits.isEmpty ? .success(nil) : handlerCgroup()
        let process = HandlerProcess(
            command: command, cgroup: try? cgroup.get(), timeout: timeout, killGracePeriod: pool.killGracePeriod,
            outputLimit: Self.outputLimit)
        let input = Array(job.body.readableBytesView)
        let bound = NIOLoopBound(self, eventLoop: pool.engine.eventLoop)
        let eventLoop = pool.engine.eventLoop
        let context = AttemptContext(job: job.id, tube: queue.tube, priority: job.priority, number: number, timeout: timeout, queue: queue)
        attempt = Task {
            // A sandbox that cannot be built, or limits that cannot be
            // enforced, run nothing: the attempt fails with why.
            let result = switch (sandbox, cgroup) {
            case (.failure(let error), _): AttemptResult.failedToStart("the sandbox cannot be built: \(error)")
            case (_, .failure(let error)):
                AttemptResult.failedToStart("no cgroup for \(queue.cgroupLimits.keys): \(error)")
            case (.success, .success): await process.run(input: input)
            }
            eventLoop.execute { bound.value.finish(context, result) }
        }
    }

    /// The worker's temporary directory for `sandbox`, made when it needs one
    /// and the worker has none for it yet.
    private func handlerTemporaryDirectory(for sandbox: HandlerSandbox) -> Result<HandlerTemporaryDirectory?, SandboxError> {
        if let kept = temporaryDirectory, kept.generation == pool.sandboxGeneration, sandbox.needsTemporaryDirectory,
           kept.directory.exists {
            return .success(kept.directory)
        }
        discardTemporaryDirectory()
        return Result { () throws(SandboxError) in try sandbox.makeTemporaryDirectory() }.map { made in
            temporaryDirectory = made.map { (pool.sandboxGeneration, $0) }
            return made
        }
    }

    /// Forgets the worker's temporary directory and removes it, off the
    /// loop: what a handler left there may be large.
    private func discardTemporaryDirectory() {
        guard let directory = temporaryDirectory?.directory else { return }
        temporaryDirectory = nil
        directory.removeInBackground()
    }

    /// The worker's cgroup, made on first use beneath spoold's own.
    private func handlerCgroup() -> Result<HandlerCgroup?, CgroupError> {
        if let cgroup, !cgroup.isSpoiled { return .success(cgroup) }
        // Processes a handler left that could not be killed stay where they
        // are; the next attempt starts in a new cgroup.
        cgroup?.remove()
        cgroup = nil
        return CgroupTree.forThisProcess().flatMap { tree in
            Result { () throws(CgroupError) in try tree.makeGroup(for: pool.tube) }
        }.map { made in
            cgroup = made
            return made
        }
    }

    /// Applies the verdict on a finished attempt, then takes the next job.
    private func finish(_ context: AttemptContext, _ result: AttemptResult) {
        attempt = nil
        if result.temporaryDirectoryFailed {
            discardTemporaryDirectory()
        }
        var random = SystemRandomNumberGenerator()
        let verdict = AttemptVerdict(
            result: result, attempt: context.number, queue: context.queue, timeout: context.timeout, random: &random)
        let bound = NIOLoopBound(self, eventLoop: pool.engine.eventLoop)
        worker.finish(context.job, verdict.disposition(priority: context.priority)) { applied in
            bound.value.finished(context, result, verdict, applied: applied)
        }
    }

    private func finished(_ context: AttemptContext, _ result: AttemptResult, _ verdict: AttemptVerdict, applied: Bool) {
        pool.attemptFinished(context, result, verdict, applied: applied)
        jobEnded()
    }

    /// The worker holds no job any more: it ends if retiring, else takes the next.
    private func jobEnded() {
        job = nil
        pool.workerFreed()
        if isRetiring {
            close()
            pool.workerEnded(self)
        } else {
            takeNextJob()
        }
    }

    /// Closes the worker's session; only while it holds no job.
    private func close() {
        guard !isClosed else { return }
        isClosed = true
        worker.close()
        cgroup?.remove()
        discardTemporaryDirectory()
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
