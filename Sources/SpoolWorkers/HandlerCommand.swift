/// What one attempt runs: the handler's program and arguments, its whole
/// environment, and the account, directory and limits it runs with.
public struct HandlerCommand: Sendable, Equatable {
    /// The argv; the first is the program's absolute path.
    public var arguments: [String]
    /// The handler's complete environment: nothing of spoold's own is passed on.
    public var environment: [String: String]
    /// The user to run as, by name; looked up when the handler starts.
    public var user: String
    /// The group to run as, by name; `nil`: the user's primary group.
    public var group: String?
    /// The directory the handler starts in, an absolute path.
    public var workingDirectory: String
    /// The limits set on the handler's process.
    public var limits: ResourceLimits

    /// A command from its parts.
    /// - Precondition: `arguments` names a program.
    public init(
        arguments: [String], environment: [String: String], user: String, group: String?,
        workingDirectory: String, limits: ResourceLimits
    ) {
        precondition(!arguments.isEmpty, "a handler command needs a program")
        self.arguments = arguments
        self.environment = environment
        self.user = user
        self.group = group
        self.workingDirectory = workingDirectory
        self.limits = limits
    }

    /// The command for attempt `attempt` (counted from 1) at job `jobID` of
    /// `queue`'s tube: the queue's handler, user, group, directory and limits,
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
    }

    /// The `PATH` systemd gives services, so that handlers find the usual programs.
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}
