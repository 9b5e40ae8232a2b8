/// Server-wide counts, as `stats` reports them.
public struct EngineStats: Sendable, Equatable {
    /// Ready jobs with priority below 1024.
    public var urgent: Int = 0
    /// Ready jobs.
    public var ready: Int = 0
    /// Reserved jobs.
    public var reserved: Int = 0
    /// Delayed jobs.
    public var delayed: Int = 0
    /// Buried jobs.
    public var buried: Int = 0
    /// Jobs created since start.
    public var totalJobs: UInt64 = 0
    /// Reservations that timed out since start.
    public var jobTimeouts: UInt64 = 0
    /// Existing tubes.
    public var tubes: Int = 0
    /// Open sessions (connections).
    public var sessions: Int = 0
    /// Sessions that issued a put.
    public var producers: Int = 0
    /// Sessions that issued a reserve.
    public var workers: Int = 0
    /// Sessions waiting in a reserve.
    public var waiting: Int = 0
    /// Sessions opened since start.
    public var totalSessions: UInt64 = 0
    /// Whether puts are refused.
    public var isDraining = false
}

extension EngineStats {
    /// Statistics of an empty engine; an engine that keeps its jobs
    /// elsewhere (a cluster node) fills them in.
    public static var empty: EngineStats { EngineStats() }
}

/// A tube's counts, as `stats-tube` reports them.
public struct TubeStats: Sendable, Equatable {
    /// The tube's name.
    public var name: String
    /// Ready jobs with priority below 1024.
    public var urgent: Int = 0
    /// Ready jobs.
    public var ready: Int = 0
    /// Reserved jobs.
    public var reserved: Int = 0
    /// Delayed jobs.
    public var delayed: Int = 0
    /// Buried jobs.
    public var buried: Int = 0
    /// Jobs created in this tube since start.
    public var totalJobs: UInt64 = 0
    /// Sessions using this tube.
    public var using: Int = 0
    /// Sessions watching this tube.
    public var watching: Int = 0
    /// Sessions waiting in a reserve on this tube.
    public var waiting: Int = 0
    /// Deletes of this tube's jobs.
    public var deletes: UInt64 = 0
    /// Pauses of this tube.
    public var pauses: UInt64 = 0
    /// Length of the current pause in seconds (0 when not paused).
    public var pauseSeconds: Int64 = 0
    /// Seconds until the pause ends.
    public var pauseTimeLeft: Int64 = 0
    /// The tube's limits.
    public var limits = TubeLimits()
    /// The bytes of its jobs' bodies.
    public var bytes = 0
    /// Puts waiting for room in it (`WhenFull=wait`).
    public var waitingPuts = 0
}

extension TubeStats {
    /// Statistics of an empty tube named `name`; an engine that keeps its
    /// jobs elsewhere (a cluster node) fills them in.
    public init(name: String) {
        self.init(name: name, urgent: 0)
    }
}

/// A job's details, as `stats-job` reports them.
public struct JobStats: Sendable, Equatable {
    /// The job's id.
    public var id: JobID
    /// The job's tube.
    public var tube: String
    /// The job's state.
    public var state: JobState
    /// The job's priority.
    public var priority: UInt32
    /// Seconds since the job was created.
    public var age: Int64
    /// The delay of its latest put or release, in seconds.
    public var delay: Int64
    /// Its time to run, in seconds.
    public var ttr: Int64
    /// Seconds until a reserved job times out or a delayed job becomes ready.
    public var timeLeft: Int64
    /// Transition counters.
    public var counters: JobCounters
    /// Failed attempts by a worker pool since the job was put or last kicked.
    public var attempts: UInt32 = 0
    /// Why the latest attempt failed; nil when none has.
    public var lastFailure: String?
}

extension JobStats {
    /// A job's statistics as an engine that keeps its jobs elsewhere (a
    /// cluster node) reads them.
    public init(
        id: JobID, tube: String, state: JobState, priority: UInt32, age: Int64, delay: Int64, ttr: Int64, timeLeft: Int64,
        reserves: UInt32, timeouts: UInt32, releases: UInt32, buries: UInt32, kicks: UInt32, attempts: UInt32,
        lastFailure: String?
    ) {
        var counters = JobCounters()
        counters.reserves = reserves
        counters.timeouts = timeouts
        counters.releases = releases
        counters.buries = buries
        counters.kicks = kicks
        self.init(
            id: id, tube: tube, state: state, priority: priority, age: age, delay: delay, ttr: ttr, timeLeft: timeLeft,
            counters: counters, attempts: attempts, lastFailure: lastFailure)
    }
}
