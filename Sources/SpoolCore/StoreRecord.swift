import NIOCore

/// A mutation of queue state that a ``JobStore`` makes durable.
///
/// The engine emits one record for every change a client is told about:
/// puts, deletes, releases, burials, kicks and pauses. Reservations and timer
/// transitions (delay → ready, TTR expiry) are not recorded: after a restart a
/// reserved job is ready again, and a delayed job keeps its wall-clock deadline.
public enum StoreRecord: Sendable, Equatable {
    /// A new job, body included.
    case insert(JobRecord)
    /// A job's state, priority, delay or counters changed; the body is omitted.
    case update(JobRecord)
    /// A job left the queue.
    case delete(JobID)
    /// A tube was paused until the given wall-clock time (nanoseconds since the epoch).
    case pause(tube: String, untilWall: Int64, duration: Int64)
}

/// The durable image of a job.
public struct JobRecord: Sendable, Equatable {
    /// The state to restore after a restart: reserved jobs come back ready.
    public enum DurableState: String, Sendable {
        case ready
        case delayed
        case buried
    }

    /// The job's id.
    public var id: JobID
    /// The job's tube.
    public var tube: String
    /// The job's priority.
    public var priority: UInt32
    /// The job's delay, in nanoseconds.
    public var delay: Int64
    /// The job's time to run, in nanoseconds.
    public var ttr: Int64
    /// The state to restore.
    public var state: DurableState
    /// For delayed jobs, when they become ready (wall clock, nanoseconds since the epoch).
    public var readyAtWall: Int64
    /// When the job was created (wall clock, nanoseconds since the epoch).
    public var createdWall: Int64
    /// The job's counters.
    public var counters: JobCounters
    /// Failed attempts by a worker pool since the job was put or last kicked.
    public var attempts: UInt32
    /// Why the latest attempt failed; nil when none has.
    public var lastFailure: String?
    /// The body, present in inserts only.
    public var body: ByteBuffer?
    /// Where the store keeps the body, for recovered jobs whose body was
    /// left on disk (``body`` is nil then).
    public var storedBody: StoredBody?

    /// Describes a job's durable image.
    public init(
        id: JobID, tube: String, priority: UInt32, delay: Int64, ttr: Int64, state: DurableState,
        readyAtWall: Int64, createdWall: Int64, counters: JobCounters, attempts: UInt32 = 0,
        lastFailure: String? = nil, body: ByteBuffer?, storedBody: StoredBody? = nil
    ) {
        self.id = id
        self.tube = tube
        self.priority = priority
        self.delay = delay
        self.ttr = ttr
        self.state = state
        self.readyAtWall = readyAtWall
        self.createdWall = createdWall
        self.counters = counters
        self.attempts = attempts
        self.lastFailure = lastFailure
        self.body = body
        self.storedBody = storedBody
    }
}

/// A sequence number of staged records: a reply that acknowledges a mutation
/// may leave once the store's ``JobStore/durableSequence`` reaches it.
public typealias CommitSequence = UInt64

/// The sequence numbers of records that a commit refused: records that can
/// never be written (too big, against a constraint), dropped from their batch
/// while the rest committed. Their commands are answered with an error.
public typealias RejectedSequences = Set<CommitSequence>

/// Where the engine sends its records. The engine defines this interface and
/// never imports an implementation; the embedded journal store (and later
/// PostgreSQL) implement it at the edge.
///
/// All calls happen on the engine's thread. An implementation batches the
/// records staged between commits (group commit) and reports progress through
/// ``durableSequence`` and ``whenDurable(_:_:)``; it must never block the caller.
///
/// A record that can never be committed does not hold back the others: the
/// store drops it from its batch, tells ``rejectionHandler`` (the engine
/// forgets what the record described) and names its sequence number to the
/// callbacks of ``whenDurable(_:_:)`` that run after that commit.
public protocol JobStore: AnyObject {
    /// Stages `record` for the next commit and returns its sequence number.
    func stage(_ record: StoreRecord) -> CommitSequence
    /// The highest sequence number that is durable (or rejected: passed, never to be durable).
    var durableSequence: CommitSequence { get }
    /// Calls `action` on the engine's thread once `sequence` is durable, with
    /// the sequence numbers that the commit which made it so rejected.
    func whenDurable(_ sequence: CommitSequence, _ action: @escaping (_ rejected: RejectedSequences) -> Void)
    /// Told, on the engine's thread, of each record a commit rejected, before
    /// the callbacks of ``whenDurable(_:_:)`` run.
    var rejectionHandler: ((StoreRecord) -> Void)? { get set }
    /// Whether the store takes more changes now.
    var condition: StoreCondition { get }

    /// Where the store keeps the body of the job that the latest staged
    /// ``StoreRecord/insert(_:)`` put: the engine then drops its own copy and
    /// reads the body back with ``body(_:)``. Nil when bodies stay in memory.
    var latestStoredBody: StoredBody? { get }
    /// Reads back a body the store keeps (also one not yet committed).
    /// - Throws: when it cannot be read or does not match its checksum.
    func body(_ stored: StoredBody) throws -> ByteBuffer
    /// A job whose body the store keeps left the queue or moved: its space
    /// may be reclaimed once what is staged now is durable.
    func release(_ stored: StoredBody)
    /// Asked, on the engine's thread, to move the jobs whose bodies are in
    /// this segment (a file mostly of deleted jobs that the few left keep
    /// alive): the engine stages each one again as an insert and releases
    /// its old body.
    var relocationHandler: ((UInt32) -> Void)? { get set }
    /// How its commits went, for metrics; nil for a store that commits nothing.
    var commitActivity: CommitActivity? { get }
    /// Told that a reply other than a put's own waits for what is staged (a
    /// reserve handed out a job whose put is not yet durable): the store
    /// commits it without delay.
    func expedite()
}

extension JobStore {
    /// Commits nothing.
    public var commitActivity: CommitActivity? { nil }
    /// Bodies stay in memory.
    public var latestStoredBody: StoredBody? { nil }
    /// Never called: the store keeps no bodies.
    public func body(_ stored: StoredBody) throws -> ByteBuffer {
        preconditionFailure("this store keeps no bodies")
    }
    /// Nothing to reclaim.
    public func release(_ stored: StoredBody) {}
    /// Commits without delay anyway.
    public func expedite() {}
    /// Nothing ever moves.
    public var relocationHandler: ((UInt32) -> Void)? {
        get { nil }
        set {}
    }
}

/// The store of durability mode `off`: records are durable as soon as they are
/// staged because nothing outlives the process.
public final class MemoryStore: JobStore {
    private var sequence: CommitSequence = 0

    /// Creates the in-memory store.
    public init() {}

    /// Counts the record and forgets it.
    public func stage(_ record: StoreRecord) -> CommitSequence {
        sequence += 1
        return sequence
    }

    /// Every staged record.
    public var durableSequence: CommitSequence { sequence }

    /// Runs `action` at once: everything is already durable, nothing is rejected.
    public func whenDurable(_ sequence: CommitSequence, _ action: @escaping (_ rejected: RejectedSequences) -> Void) {
        action([])
    }

    /// Never called: memory takes every record.
    public var rejectionHandler: ((StoreRecord) -> Void)?

    /// Always healthy: memory is the only limit, as in beanstalkd.
    public var condition: StoreCondition { .healthy }
}
