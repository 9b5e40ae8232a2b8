import NIOCore
import SpoolCore

/// What the worker pool asks of an engine: the seam between the pool
/// (SpoolPool) and the engines behind it — the local engine (``LoopEngine``,
/// through ``LocalWorker``) and a cluster node. Both live on ``eventLoop``
/// and answer on it, never from inside the call that asked.
public protocol WorkerEngine: AnyObject {
    /// The loop the engine, its workers and the pool live on.
    var eventLoop: EventLoop { get }

    /// Opens a worker: a session of spoold's own that watches `tube` alone
    /// and takes one job at a time; `delegate` gets the jobs it takes.
    func openWorker(watching tube: String, delegate: EngineWorkerDelegate) -> EngineWorker

    /// Applies a queue's rules for its tube: aging (`AgeAfter=`, nanoseconds)
    /// and limits (`MaxJobs=`, `MaxBytes=`, `WhenFull=wait`); nil is the default.
    func applyTubeRules(_ tube: String, agingAfter: Int64?, maxJobs: Int?, maxBytes: Int?, waitWhenFull: Bool?)

    /// Calls `action` once every change made so far is durable.
    func whenAllDurable(_ action: @escaping () -> Void)
}

/// A worker's session with its engine.
public protocol EngineWorker: AnyObject {
    /// Whether the worker waits for a job.
    var isWaiting: Bool { get }

    /// Asks for the next job of the tube, in its order; the delegate gets it
    /// once its put is durable.
    func takeNext()

    /// Ends the wait for a job; the delegate gets none.
    func stopWaiting()

    /// Holds the job the worker took for `duration` from now, whatever its
    /// TTR; `completion(false)` when the worker no longer holds it.
    func hold(_ id: JobID, for duration: Duration, completion: @escaping (Bool) -> Void)

    /// Applies the outcome of an attempt on the job the worker holds;
    /// `completion(false)` when it no longer held it (nothing changed).
    func finish(_ id: JobID, _ disposition: WorkerDisposition, completion: @escaping (Bool) -> Void)

    /// Closes the session: a job still held goes back to ready.
    func close()
}

/// Told of the jobs a worker takes.
public protocol EngineWorkerDelegate: AnyObject {
    /// The worker took `job`; its put is durable.
    func worker(_ worker: EngineWorker, didTake job: WorkerJob)
}

/// A job a worker took, with what the pool needs to run its handler.
public struct WorkerJob: Sendable {
    /// The job's id.
    public let id: JobID
    /// The job's body.
    public let body: ByteBuffer
    /// The job's priority.
    public let priority: UInt32
    /// The job's time-to-run, in seconds.
    public let ttr: Int64
    /// The failed attempts recorded on the job before this one.
    public let attempts: UInt32

    /// A job taken, as an engine describes it.
    public init(id: JobID, body: ByteBuffer, priority: UInt32, ttr: Int64, attempts: UInt32) {
        self.id = id
        self.body = body
        self.priority = priority
        self.ttr = ttr
        self.attempts = attempts
    }
}

/// What becomes of a job after an attempt.
public enum WorkerDisposition: Sendable, Equatable {
    /// The handler succeeded: the job is deleted.
    case delete
    /// The attempt was stopped (shutdown): ready again at once with
    /// `priority`, the attempt not counted.
    case release(priority: UInt32)
    /// A failed attempt, counted: ready again after `after`, `reason` kept.
    case retry(after: Duration, reason: String)
    /// A failed attempt, counted, the last one allowed: buried with `reason`.
    case bury(reason: String)
}
