import DBus

/// `org.spool.Spool1.Manager` (``ControlNames/manager``) at
/// `/org/spool/Spool1` (``ControlNames/managerPath``): processing as a
/// whole. Every method, property and signal of the interface, which spoold
/// implements and ``Manager`` calls.
public enum ManagerAPI {
    // MARK: Methods

    /// `Start()`: reserve commands and every worker pool get jobs again.
    public static let start = MethodDeclaration("Start")
    /// `Stop()`: reserve commands wait and every worker pool holds; jobs are still accepted.
    public static let stop = MethodDeclaration("Stop")
    /// `Status() → a{sv} status`: every property, and ``uptimeSeconds``.
    public static let status = MethodDeclaration("Status", outputs: [Argument("status", "a{sv}")])
    /// `ListQueues() → a(so) queues`: each tube's name and queue object, sorted by name.
    public static let listQueues = MethodDeclaration("ListQueues", outputs: [Argument("queues", "a(so)")])
    /// `Reload() → as problems`: reads the queue files again; the problems found, one line each.
    public static let reload = MethodDeclaration("Reload", outputs: [Argument("problems", "as")])

    // MARK: Properties

    /// `Version` (s): spoold's version.
    public static let version = PropertyDeclaration("Version", "s", emitsChange: .const)
    /// `Durability` (s): when a change is durable: `always`, `interval:MS`, `nosync` or `off`.
    public static let durability = PropertyDeclaration("Durability", "s", emitsChange: .const)
    /// `State` (s): a ``ManagerState``: `running`, `stopped` (Stop was called) or `draining` (SIGUSR1).
    public static let state = PropertyDeclaration("State", "s")
    /// `JobsUrgent` (t): ready jobs of urgent priority, in every tube.
    public static let jobsUrgent = PropertyDeclaration("JobsUrgent", "t")
    /// `JobsReady` (t): ready jobs, in every tube.
    public static let jobsReady = PropertyDeclaration("JobsReady", "t")
    /// `JobsReserved` (t): reserved jobs, in every tube.
    public static let jobsReserved = PropertyDeclaration("JobsReserved", "t")
    /// `JobsDelayed` (t): delayed jobs, in every tube.
    public static let jobsDelayed = PropertyDeclaration("JobsDelayed", "t")
    /// `JobsBuried` (t): buried jobs, in every tube.
    public static let jobsBuried = PropertyDeclaration("JobsBuried", "t")
    /// `Connections` (u): open protocol connections.
    public static let connections = PropertyDeclaration("Connections", "u")
    /// `Tubes` (u): the tubes that exist.
    public static let tubes = PropertyDeclaration("Tubes", "u")
    /// `Workers` (u): the worker processes of every pool.
    public static let workers = PropertyDeclaration("Workers", "u")
    /// `WorkersBusy` (u): the workers running a handler.
    public static let workersBusy = PropertyDeclaration("WorkersBusy", "u")
    /// `WorkersIdle` (u): the workers waiting for a job.
    public static let workersIdle = PropertyDeclaration("WorkersIdle", "u")

    /// The properties whose changes `PropertiesChanged` announces: all but
    /// ``version`` and ``durability``, which never change.
    public static let announcedProperties = [
        state, jobsUrgent, jobsReady, jobsReserved, jobsDelayed, jobsBuried, connections, tubes, workers, workersBusy, workersIdle,
    ]

    /// `UptimeSeconds` (t): the entry of ``status``'s reply that is no
    /// property: the seconds since spoold started.
    public static let uptimeSeconds = PropertyDeclaration("UptimeSeconds", "t")

    // MARK: Signals

    /// `JobBuried(s tube, t id, s reason)`: a job was buried, with the
    /// reason its handler gave (empty when a client buried it).
    public static let jobBuried = SignalDescription("JobBuried", arguments: [Argument("tube", "s"), Argument("id", "t"), Argument("reason", "s")])
}
