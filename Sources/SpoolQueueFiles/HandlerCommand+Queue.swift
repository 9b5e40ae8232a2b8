import ProcessSupervisor

extension HandlerCommand {
    /// The command for attempt `attempt` (counted from 1) at job `jobID` of
    /// `queue`'s tube: the queue's handler, user, group, directory, limits and cgroup limits,
    /// and its `Environment=` with `SPOOL_JOB_ID`, `SPOOL_TUBE`,
    /// `SPOOL_ATTEMPT` and `SPOOL_PRIORITY` added, and systemd's default
    /// `PATH` unless `Environment=` sets one.
    public init(queue: QueueConfiguration, jobID: UInt64, attempt: Int, priority: UInt32) {
        var environment = queue.environment
        environment["PATH"] = environment["PATH"] ?? Self.defaultPath
        environment["SPOOL_JOB_ID"] = String(jobID)
        environment["SPOOL_TUBE"] = queue.tube
        environment["SPOOL_ATTEMPT"] = String(attempt)
        environment["SPOOL_PRIORITY"] = String(priority)
        self.init(
            arguments: queue.arguments, environment: environment, user: queue.user, group: queue.group,
            workingDirectory: queue.workingDirectory, limits: queue.limits)
        cgroupLimits = queue.cgroupLimits
    }

    /// The `PATH` systemd gives services, so that handlers find the usual programs.
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}
