import NIOCore

/// The outcome of a `reserve` that had to wait.
public enum ReserveOutcome: Sendable, Equatable {
    /// A job was reserved for the session.
    case reserved(ReservedJob)
    /// A job the session holds is about to time out.
    case deadlineSoon
    /// The reserve's own timeout passed.
    case timedOut
}

/// Receives the outcome of a reserve that had to wait.
///
/// The engine calls it on its own thread, from inside whatever operation made a
/// job available (another session's put, a timer, ...). Implementations must
/// not call back into the engine synchronously; they record the outcome and
/// continue later.
public protocol SessionDelegate: AnyObject {
    /// A waiting reserve has finished.
    func session(_ session: Session, didFinishWaiting outcome: ReserveOutcome)
    /// A put held for room in its tube (`WhenFull=wait`) has been taken: its
    /// reply waits for `durableAfter`.
    func session(_ session: Session, didFinishPut id: JobID, durableAfter: CommitSequence)
    /// A put held for room was refused: its tube's limits changed so that
    /// it may no longer wait.
    func sessionDidRefuseHeldPut(_ session: Session)
}

extension SessionDelegate {
    /// Sessions that never put (the pool's workers) are never held.
    public func session(_ session: Session, didFinishPut id: JobID, durableAfter: CommitSequence) {}
    /// Sessions that never put (the pool's workers) are never held.
    public func sessionDidRefuseHeldPut(_ session: Session) {}
}

/// One client of the engine: a protocol connection, and later a pool worker or
/// control-plane caller. Holds the used tube, the watch list and reservations.
public final class Session {
    /// A number unique among sessions, for logs.
    public let id: UInt64
    /// Told when a waiting reserve completes.
    public weak var delegate: SessionDelegate?

    var used: Tube
    /// Watched tubes, in beanstalkd's order (removal swaps in the last one).
    var watched: [Tube]
    /// The session's reservations, soonest TTR deadline first.
    var reserved = IndexedHeap<ReservationOrder>()
    var isProducer = false
    /// The id taken for the job of a put whose body is still arriving.
    var startedPutID: JobID?
    /// The tube whose room a held put of this session waits for.
    var blockedIn: Tube?
    var isWorker = false
    var isClosed = false
    /// Opened by spoold itself (a pool worker): not counted as a connection.
    let isInternal: Bool

    /// Bumped whenever the session stops waiting, invalidating its waiter entries.
    var waitGeneration: UInt64 = 0
    var isWaiting = false
    /// When a waiting reserve must be answered without a job.
    var wakeAt: Int64 = .max
    var waitHeapIndex = -1

    init(id: UInt64, defaultTube: Tube, isInternal: Bool) {
        self.id = id
        self.isInternal = isInternal
        self.used = defaultTube
        self.watched = [defaultTube]
    }

    /// The name of the tube this session puts into.
    public var usedTube: String { used.name }

    /// The names of the watched tubes, in order.
    public var watchedTubes: [String] { watched.map(\.name) }

    /// Whether a reserve by this session is waiting for a job.
    public var isWaitingForJob: Bool { isWaiting }

    /// The soonest TTR deadline among the session's reserved jobs: O(1), as
    /// every reserve asks (beanstalkd keeps it too), so that a session
    /// holding many jobs does not make each of its reserves scan them all.
    var soonestDeadline: Int64? { reserved.first?.deadline }

    func addReserved(_ job: Job) {
        reserved.insert(job)
    }

    func removeReserved(_ job: Job) {
        reserved.remove(job)
    }

    /// Sets the deadline of `job`, one of this session's reservations.
    func moveDeadline(of job: Job, to deadline: Int64) {
        reserved.remove(job)
        job.deadline = deadline
        reserved.insert(job)
    }
}

/// A session's reservations, soonest TTR deadline first.
enum ReservationOrder: HeapPolicy {
    static func precedes(_ a: Job, _ b: Job) -> Bool { a.deadline < b.deadline }
    static func index(of job: Job) -> Int { Int(job.sessionSlot) }
    static func setIndex(_ index: Int, of job: Job) { job.sessionSlot = Int32(truncatingIfNeeded: index) }
}

/// Waiting sessions, soonest wake-up first.
enum WakeOrder: HeapPolicy {
    static func precedes(_ a: Session, _ b: Session) -> Bool { a.wakeAt < b.wakeAt }
    static func index(of session: Session) -> Int { session.waitHeapIndex }
    static func setIndex(_ index: Int, of session: Session) { session.waitHeapIndex = index }
}

/// A job handed to a session by a reserve.
public struct ReservedJob: Sendable, Equatable {
    /// The job's id.
    public let id: JobID
    /// The job's body.
    public let body: ByteBuffer
    /// The sequence number of the job's put when it is not durable yet: a
    /// reply that hands the job out waits for it (0 when there is nothing to wait for).
    public let durableAfter: CommitSequence
}
