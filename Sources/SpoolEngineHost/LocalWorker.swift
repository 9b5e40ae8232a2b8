import DurationConversions
import NIOCore
import SpoolCore

/// A pool worker of the local engine: an internal ``Session`` of
/// ``LoopEngine`` that watches one tube.
final class LocalWorker: EngineWorker, SessionDelegate {
    private let engine: LoopEngine
    private let session: Session
    private weak var delegate: EngineWorkerDelegate?
    private var isClosed = false

    init(engine: LoopEngine, tube: String, delegate: EngineWorkerDelegate) {
        self.engine = engine
        self.delegate = delegate
        session = engine.openWorkerSession(watching: tube)
        session.delegate = self
    }

    var isWaiting: Bool { session.isWaitingForJob }

    func takeNext() {
        guard !isClosed, !session.isWaitingForJob else { return }
        if let outcome = engine.reserve(session) { handle(outcome) }
    }

    func stopWaiting() {
        guard session.isWaitingForJob else { return }
        engine.stopWaiting(session)
    }

    /// The engine hands a job over from inside another operation: it is
    /// handled in a later turn of the loop, never re-entering the engine.
    func session(_ session: Session, didFinishWaiting outcome: ReserveOutcome) {
        let bound = NIOLoopBound(self, eventLoop: engine.eventLoop)
        engine.eventLoop.execute { bound.value.handle(outcome) }
    }

    private func handle(_ outcome: ReserveOutcome) {
        guard !isClosed else { return }
        switch outcome {
        case .reserved(let job):
            // A job's handler starts once its put is durable.
            let bound = NIOLoopBound(self, eventLoop: engine.eventLoop)
            engine.whenDurable(job.durableAfter) { _ in bound.value.deliver(job) }
        case .deadlineSoon, .timedOut:
            takeNext()
        }
    }

    private func deliver(_ job: ReservedJob) {
        guard !isClosed else { return }
        guard let stats = engine.jobStats(job.id) else { return takeNext() }
        delegate?.worker(self, didTake: WorkerJob(
            id: job.id, body: job.body, priority: stats.priority, ttr: stats.ttr, attempts: stats.attempts))
    }

    func hold(_ id: JobID, for duration: Duration, completion: @escaping (Bool) -> Void) {
        completion(engine.hold(session, id: id, for: duration.nanoseconds))
    }

    func finish(_ id: JobID, _ disposition: WorkerDisposition, completion: @escaping (Bool) -> Void) {
        let applied = switch disposition {
        case .delete: engine.delete(session, id: id)
        case .release(let priority): engine.release(session, id: id, priority: priority)
        case .retry(let delay, let reason): engine.fail(session, id: id, reason: reason, retryAfter: delay.nanoseconds)
        case .bury(let reason): engine.fail(session, id: id, reason: reason, retryAfter: nil)
        }
        completion(applied)
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        engine.closeSession(session)
    }
}

extension LoopEngine: WorkerEngine {
    public func openWorker(watching tube: String, delegate: EngineWorkerDelegate) -> EngineWorker {
        LocalWorker(engine: self, tube: tube, delegate: delegate)
    }

    public func applyTubeRules(_ tube: String, agingAfter: Int64?, maxJobs: Int?, maxBytes: Int?, waitWhenFull: Bool?) {
        setAging(tubeNamed: tube, after: agingAfter)
        setLimits(tubeNamed: tube, maxJobs: maxJobs, maxBytes: maxBytes, waitWhenFull: waitWhenFull)
    }

    public func whenAllDurable(_ action: @escaping () -> Void) {
        whenDurable(engine.stagedSequence) { _ in action() }
    }
}
