import ProcessSupervisor

/// The worker pool of one tube, as its file in `/etc/spool/queues.d/` declares
/// it: which program handles the tube's jobs, how many run at once, how failures
/// are retried, and the user, environment and limits the handlers run with.
///
/// The file is systemd-style INI with one `[Queue]` section; see
/// `Examples/queues.d/thumbnails.conf` for every key. Names of users and groups
/// are kept as written: they are resolved when a handler starts.
public struct QueueConfiguration: Sendable, Equatable {
    /// The file that configures the queue.
    public let file: String
    /// The tube whose jobs the pool takes (`Tube=`).
    public let tube: String
    /// The handler's argv (`ExecStart=`); the first is the program's absolute path.
    public let arguments: [String]
    /// How many handlers run at once, 1 to 256 (`Workers=`, default 1).
    public let workers: Int
    /// How long one attempt may run (`Timeout=`); `nil`: the job's TTR.
    public let timeout: Duration?
    /// How many times a job is tried before it is buried (`MaxAttempts=`, default 5).
    public let maxAttempts: Int
    /// The delay before retrying a failed job (`BackoffMin=`, default 1s; `BackoffMax=`, default 5min).
    public let backoff: Backoff
    /// How long a ready job may wait before it goes ahead of every job that has
    /// waited less, whatever their priorities, so that a stream of
    /// higher-priority jobs cannot starve it (`AgingAfter=`); `nil`: strict priority.
    public let agingAfter: Duration?
    /// The user handlers run as (`User=`, default `nobody`).
    public let user: String
    /// The group handlers run as (`Group=`); `nil`: the user's primary group.
    public let group: String?
    /// Variables added to the handler's environment (`Environment=`), besides the `SPOOL_` ones.
    public let environment: [String: String]
    /// The handler's working directory, an absolute path (`WorkingDirectory=`, default `/`).
    public let workingDirectory: String
    /// The handler's resource limits (`LimitAS=`, `LimitNOFILE=`, `LimitCPU=`, `LimitNPROC=`).
    public let limits: ResourceLimits
    /// `MaxJobs=`: the most jobs the tube holds; nil: spoold's default.
    public let maxJobs: Int?
    /// `MaxBytes=`: the most body bytes the tube holds; nil: spoold's default.
    public let maxBytes: Int?
    /// `WhenFull=wait`: a put into the full tube waits for room instead of
    /// being refused; nil: spoold's default.
    public let waitWhenFull: Bool?
    /// The handlers' sandbox (`SystemCallFilter=`, `SystemCallErrorNumber=`,
    /// `RestrictAddressFamilies=`, `PrivateNetwork=`); strict by default.
    public var sandbox: SandboxSettings = .strict
    /// The limits of each handler's own cgroup (`MemoryMax=`, `TasksMax=`,
    /// `CPUQuota=`, `CPUWeight=`); none by default, and then no cgroup.
    public var cgroupLimits = CgroupLimits()
}

extension QueueConfiguration {
    /// The queue `text`, the contents of the file at `path`, configures.
    /// - Parameter path: the file's name, for error messages only.
    /// - Throws: the file's first problem in line order, else a missing
    ///   `Tube=` or `ExecStart=`, else `BackoffMin=` above `BackoffMax=`.
    public init(parsing text: String, path: String) throws(QueueConfigurationError) {
        self = try QueueSettings.parse(text, path: path).configuration
    }
}
