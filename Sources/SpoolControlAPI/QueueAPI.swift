import DBus

/// `org.spool.Spool1.Queue` (``ControlNames/queue``) at
/// `/org/spool/Spool1/queue/<escaped tube name>` (``ControlNames/queuePath(_:)``):
/// one tube's statistics and controls. Every method and property of the
/// interface, which spoold implements and ``Queue`` calls.
public enum QueueAPI {
    // MARK: Methods

    /// `Pause(u seconds)`: no job of the tube is handed out for that long (above 0).
    public static let pause = MethodDeclaration("Pause", inputs: [Argument("seconds", "u")])
    /// `Resume()`: ends a pause now.
    public static let resume = MethodDeclaration("Resume")
    /// `Kick(u count) → u kicked`: up to `count` buried jobs (else delayed ones) back to ready.
    public static let kick = MethodDeclaration("Kick", inputs: [Argument("count", "u")], outputs: [Argument("kicked", "u")])
    /// `Purge(s state) → u purged`: deletes every job in a ``PurgeState``, for good.
    public static let purge = MethodDeclaration("Purge", inputs: [Argument("state", "s")], outputs: [Argument("purged", "u")])
    /// `Start()`: the tube's worker pool takes jobs again.
    public static let start = MethodDeclaration("Start")
    /// `Stop()`: the tube's worker pool takes no new job; running handlers finish.
    public static let stop = MethodDeclaration("Stop")
    /// `SetWorkers(u count)`: resizes the tube's worker pool, within its bounds.
    public static let setWorkers = MethodDeclaration("SetWorkers", inputs: [Argument("count", "u")])

    /// What ``purge`` takes: the state of the jobs to delete, or all that can be purged.
    public enum PurgeState: String, CaseIterable, Sendable {
        /// Ready jobs.
        case ready
        /// Delayed jobs.
        case delayed
        /// Buried jobs.
        case buried
        /// Ready, delayed and buried jobs.
        case all
    }

    // MARK: Properties

    /// `Name` (s): the tube's name.
    public static let name = PropertyDeclaration("Name", "s", emitsChange: .const)
    /// `PauseTimeLeft` (t): the seconds until a pause ends (its changes are not announced).
    public static let pauseTimeLeft = PropertyDeclaration("PauseTimeLeft", "t", emitsChange: .false)
    /// `JobsUrgent` (t): ready jobs of urgent priority.
    public static let jobsUrgent = PropertyDeclaration("JobsUrgent", "t")
    /// `JobsReady` (t): ready jobs.
    public static let jobsReady = PropertyDeclaration("JobsReady", "t")
    /// `JobsReserved` (t): reserved jobs.
    public static let jobsReserved = PropertyDeclaration("JobsReserved", "t")
    /// `JobsDelayed` (t): delayed jobs.
    public static let jobsDelayed = PropertyDeclaration("JobsDelayed", "t")
    /// `JobsBuried` (t): buried jobs.
    public static let jobsBuried = PropertyDeclaration("JobsBuried", "t")
    /// `TotalJobs` (t): the jobs ever put into the tube.
    public static let totalJobs = PropertyDeclaration("TotalJobs", "t")
    /// `Deletes` (t): the jobs deleted from the tube.
    public static let deletes = PropertyDeclaration("Deletes", "t")
    /// `Using` (u): the connections that use the tube.
    public static let using = PropertyDeclaration("Using", "u")
    /// `Watching` (u): the connections that watch the tube.
    public static let watching = PropertyDeclaration("Watching", "u")
    /// `Waiting` (u): the connections waiting in a reserve for the tube's jobs.
    public static let waiting = PropertyDeclaration("Waiting", "u")
    /// `Paused` (b): whether the tube is paused.
    public static let paused = PropertyDeclaration("Paused", "b")
    /// `PauseSeconds` (t): the length of the current pause, 0 when not paused.
    public static let pauseSeconds = PropertyDeclaration("PauseSeconds", "t")
    /// `Bytes` (t): the bytes of the tube's job bodies.
    public static let bytes = PropertyDeclaration("Bytes", "t")
    /// `MaxJobs` (t): the most jobs the tube holds (`MaxJobs=`); 2^64-1 without a limit.
    public static let maxJobs = PropertyDeclaration("MaxJobs", "t")
    /// `MaxBytes` (t): the most body bytes the tube holds (`MaxBytes=`); 2^64-1 without a limit.
    public static let maxBytes = PropertyDeclaration("MaxBytes", "t")
    /// `WhenFull` (s): `refuse` or `wait`, what a put into the full tube does (`WhenFull=`).
    public static let whenFull = PropertyDeclaration("WhenFull", "s")
    /// `PutsWaiting` (u): the puts waiting for room in the tube.
    public static let putsWaiting = PropertyDeclaration("PutsWaiting", "u")
    /// `PoolState` (s): a ``PoolState``: `running` or `stopped`; `none` without a pool.
    public static let poolState = PropertyDeclaration("PoolState", "s")
    /// `Workers` (u): the pool's worker processes.
    public static let workers = PropertyDeclaration("Workers", "u")
    /// `WorkersBusy` (u): the pool's workers running a handler.
    public static let workersBusy = PropertyDeclaration("WorkersBusy", "u")
    /// `WorkersIdle` (u): the pool's workers waiting for a job.
    public static let workersIdle = PropertyDeclaration("WorkersIdle", "u")
    /// `Attempts` (t): the handler runs finished since spoold started.
    public static let attempts = PropertyDeclaration("Attempts", "t")
    /// `Failures` (t): the finished handler runs that failed (anything but exit 0).
    public static let failures = PropertyDeclaration("Failures", "t")
    /// `AverageRunTime` (d): the finished handler runs' mean duration, in seconds.
    public static let averageRunTime = PropertyDeclaration("AverageRunTime", "d")

    /// The properties whose changes `PropertiesChanged` announces: all but
    /// ``name``, which never changes, and ``pauseTimeLeft``, which always does.
    public static let announcedProperties = [
        jobsUrgent, jobsReady, jobsReserved, jobsDelayed, jobsBuried, totalJobs, deletes, using, watching, waiting, paused, pauseSeconds,
        bytes, maxJobs, maxBytes, whenFull, putsWaiting, poolState, workers, workersBusy, workersIdle, attempts, failures, averageRunTime,
    ]
}
