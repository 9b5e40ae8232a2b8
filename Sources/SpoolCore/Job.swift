import NIOCore

/// A job's identifier, unique for the life of the queue (never reused).
public typealias JobID = UInt64

/// The four states of a job's life.
public enum JobState: String, Sendable {
    case ready
    case delayed
    case reserved
    case buried
}

/// A job and its bookkeeping. Owned by the ``Engine`` and touched only on its thread.
final class Job {
    // A backlog of millions of jobs is held in memory, so a job keeps only
    // what a queued job needs, from the widest field to the narrowest (no
    // padding), in 101 bytes: malloc's 112-byte class. What only a job that
    // was reserved or failed, or waits in an aging tube, needs lives in its
    // ``JobActivity``.
    let id: JobID
    unowned let tube: Tube
    /// One time for each state, which no other state needs: see ``deadline``,
    /// ``readySince`` and ``burySequence``.
    private var stamp: Int64 = 0
    /// When the job was created (monotonic).
    let createdAt: Int64
    /// What the job went through, from its first reservation or failure on
    /// (or its first wait in a tube with an aging rule).
    private var activity: JobActivity?
    /// The body, or where the store keeps it.
    var body: JobBody
    var priority: UInt32
    /// The delay of the latest put or release, in whole seconds.
    private(set) var delaySeconds: UInt32
    /// The time to run, in whole seconds (at least one).
    let ttrSeconds: UInt32
    /// Position in the tube's ready, delayed or buried heap (whichever matches `state`).
    var tubeHeapIndex: Int32 = -1
    /// Position in the engine's timer heap (delayed and reserved jobs).
    var timerHeapIndex: Int32 = -1
    var state: JobState = .ready

    init(id: JobID, tube: Tube, priority: UInt32, delay: Int64, ttr: Int64, body: JobBody, now: Int64) {
        self.id = id
        self.tube = tube
        self.priority = priority
        self.delaySeconds = Job.wholeSeconds(delay)
        self.ttrSeconds = max(1, Job.wholeSeconds(ttr))
        self.body = body
        self.createdAt = now
    }

    /// Nanoseconds as whole seconds, rounded up (so that a delay never ends
    /// early on paper) and bounded by the protocol's 32 bits.
    private static func wholeSeconds(_ nanoseconds: Int64) -> UInt32 {
        let seconds = max(0, nanoseconds) / nanosecondsPerSecond + (nanoseconds % nanosecondsPerSecond > 0 ? 1 : 0)
        return UInt32(clamping: seconds)
    }

    /// The delay of the latest put or release, in nanoseconds (whole seconds).
    var delay: Int64 {
        get { Int64(delaySeconds) * nanosecondsPerSecond }
        set { delaySeconds = Job.wholeSeconds(newValue) }
    }

    /// The time to run, in nanoseconds.
    var ttr: Int64 { Int64(ttrSeconds) * nanosecondsPerSecond }

    /// The job's activity, made on first use.
    private var madeActivity: JobActivity {
        if let activity { return activity }
        let made = JobActivity()
        activity = made
        return made
    }

    /// The session holding the reservation.
    var reserver: Session? {
        get { activity?.reserver }
        set { if newValue != nil || activity != nil { madeActivity.reserver = newValue } }
    }
    /// When the latest reservation began (monotonic), for its run time.
    var reservedAt: Int64 {
        get { activity?.reservedAt ?? 0 }
        set { madeActivity.reservedAt = newValue }
    }
    /// How often the job went through each transition.
    var counters: JobCounters {
        get { activity?.counters ?? JobCounters() }
        set { madeActivity.counters = newValue }
    }
    /// Failed attempts by a worker pool since the job was put or last kicked.
    var attempts: UInt32 {
        get { activity?.attempts ?? 0 }
        set { if newValue != 0 || activity != nil { madeActivity.attempts = newValue } }
    }
    /// Position in the reserver's heap of reservations.
    var sessionSlot: Int32 {
        get { activity?.sessionSlot ?? -1 }
        set { if newValue != -1 || activity != nil { madeActivity.sessionSlot = newValue } }
    }
    /// Position in the tube's heap of ready jobs by age (tubes with an aging rule only).
    var ageHeapIndex: Int32 {
        get { activity?.ageHeapIndex ?? -1 }
        set { if newValue != -1 || activity != nil { madeActivity.ageHeapIndex = newValue } }
    }

    /// When a delayed job becomes ready, or a reserved job times out.
    var deadline: Int64 {
        get { stamp }
        set { stamp = newValue }
    }
    /// When a ready job became ready (monotonic), for tubes with an aging rule.
    var readySince: Int64 {
        get { stamp }
        set { stamp = newValue }
    }
    /// A buried job's order of burial, so that the buried heap is FIFO.
    var burySequence: UInt64 {
        get { UInt64(bitPattern: stamp) }
        set { stamp = Int64(bitPattern: newValue) }
    }

    var isUrgent: Bool { priority < Engine.urgentThreshold }
}

/// What a job needs once it has been reserved, or has failed, or waits in a
/// tube with an aging rule: kept apart so that a queued job stays small.
final class JobActivity {
    /// The session holding the reservation.
    var reserver: Session?
    /// When the latest reservation began (monotonic).
    var reservedAt: Int64 = 0
    var counters = JobCounters()
    /// Failed attempts by a worker pool since the job was put or last kicked.
    var attempts: UInt32 = 0
    /// Position in the reserver's heap of reservations.
    var sessionSlot: Int32 = -1
    /// Position in the tube's heap of ready jobs by age.
    var ageHeapIndex: Int32 = -1
}

/// A job's body: in memory, or left in the store that holds it durably.
enum JobBody {
    case inMemory(ByteBuffer)
    case stored(StoredBody)

    /// Its length in bytes.
    var length: Int {
        switch self {
        case .inMemory(let body): body.readableBytes
        case .stored(let stored): Int(stored.length)
        }
    }

    /// Where the store keeps it, when it does.
    var stored: StoredBody? {
        if case .stored(let stored) = self { stored } else { nil }
    }
}

/// How often a job went through each transition.
public struct JobCounters: Sendable, Equatable {
    /// Times the job was reserved.
    public var reserves: UInt32 = 0
    /// Times a reservation of the job timed out.
    public var timeouts: UInt32 = 0
    /// Times the job was released.
    public var releases: UInt32 = 0
    /// Times the job was buried.
    public var buries: UInt32 = 0
    /// Times the job was kicked.
    public var kicks: UInt32 = 0

    /// Zero counters.
    public init() {}
}

/// Ready jobs: lowest priority value first, then lowest id.
enum ReadyOrder: HeapPolicy {
    static func precedes(_ a: Job, _ b: Job) -> Bool {
        a.priority != b.priority ? a.priority < b.priority : a.id < b.id
    }
    static func index(of job: Job) -> Int { Int(job.tubeHeapIndex) }
    static func setIndex(_ index: Int, of job: Job) { job.tubeHeapIndex = Int32(truncatingIfNeeded: index) }
}

/// Ready jobs of a tube with an aging rule: longest-waiting first, then lowest id.
enum AgeOrder: HeapPolicy {
    static func precedes(_ a: Job, _ b: Job) -> Bool {
        a.readySince != b.readySince ? a.readySince < b.readySince : a.id < b.id
    }
    static func index(of job: Job) -> Int { Int(job.ageHeapIndex) }
    static func setIndex(_ index: Int, of job: Job) { job.ageHeapIndex = Int32(truncatingIfNeeded: index) }
}

/// Delayed jobs: soonest deadline first, then lowest id.
enum DelayedOrder: HeapPolicy {
    static func precedes(_ a: Job, _ b: Job) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.id < b.id
    }
    static func index(of job: Job) -> Int { Int(job.tubeHeapIndex) }
    static func setIndex(_ index: Int, of job: Job) { job.tubeHeapIndex = Int32(truncatingIfNeeded: index) }
}

/// Buried jobs: in the order they were buried.
enum BuriedOrder: HeapPolicy {
    static func precedes(_ a: Job, _ b: Job) -> Bool { a.burySequence < b.burySequence }
    static func index(of job: Job) -> Int { Int(job.tubeHeapIndex) }
    static func setIndex(_ index: Int, of job: Job) { job.tubeHeapIndex = Int32(truncatingIfNeeded: index) }
}

/// Every job with a deadline (delayed or reserved), soonest first.
enum TimerOrder: HeapPolicy {
    static func precedes(_ a: Job, _ b: Job) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.id < b.id
    }
    static func index(of job: Job) -> Int { Int(job.timerHeapIndex) }
    static func setIndex(_ index: Int, of job: Job) { job.timerHeapIndex = Int32(truncatingIfNeeded: index) }
}
