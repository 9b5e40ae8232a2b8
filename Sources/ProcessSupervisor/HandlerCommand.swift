/// What one run starts: the program and its arguments, its whole
/// environment, and the account, directory and limits it runs with.
public struct HandlerCommand: Sendable, Equatable {
    /// The argv; the first is the program's absolute path.
    public var arguments: [String]
    /// The complete environment: nothing of the supervisor's own is passed on.
    public var environment: [String: String]
    /// The user to run as, by name; looked up when the handler starts.
    public var user: String
    /// The group to run as, by name; `nil`: the user's primary group.
    public var group: String?
    /// The directory the program starts in, an absolute path.
    public var workingDirectory: String
    /// The limits set on the program's process.
    public var limits: ResourceLimits
    /// The seccomp filters the program runs under, each on top of the ones
    /// before (the most restrictive action applies); none by default.
    public var seccompFilters: [SeccompFilter] = []
    /// The Landlock ruleset the program runs under; none by default.
    public var landlock: LandlockRuleset?
    /// A file system view of the program's own (tmpfs mounts, and the
    /// Landlock rules its child resolves after them, instead of
    /// ``landlock``); none by default.
    public var privateMounts: PrivateMounts?
    /// A directory of the handler's own (its `TMPDIR`) that the child
    /// empties as the handler's user before it execs, so that each attempt
    /// finds it empty; nil by default. The directory must exist, and the
    /// handler's user must be able to reach and change it.
    public var temporaryDirectory: String?
    /// The limits of the cgroup the program and its children run in (see
    /// ``HandlerProcess/init(command:cgroup:timeout:killGracePeriod:outputLimit:)``); none by default.
    public var cgroupLimits = CgroupLimits()

    /// A command from its parts.
    /// - Precondition: `arguments` names a program.
    public init(
        arguments: [String], environment: [String: String], user: String, group: String?,
        workingDirectory: String, limits: ResourceLimits
    ) {
        precondition(!arguments.isEmpty, "a command needs a program")
        self.arguments = arguments
        self.environment = environment
        self.user = user
        self.group = group
        self.workingDirectory = workingDirectory
        self.limits = limits
    }
}
