import ProcessSupervisor
import SpoolQueueFiles

/// A queue's sandbox, built: its seccomp filters and its Landlock ruleset,
/// what a handler's command carries into the child.
public struct HandlerSandbox: Sendable {
    /// The filters (``SandboxCompiler``).
    public let filters: [SeccompFilter]
    /// The file system rules (``FileSystemRules``); nil on a kernel without Landlock.
    public let landlock: LandlockRuleset?

    /// Builds (or finds, each part is kept) the sandbox of `settings`.
    /// - Throws: ``SandboxError`` when a part cannot be built.
    public init(_ settings: SandboxSettings) throws(SandboxError) {
        filters = try SandboxCompiler.filters(for: settings)
        landlock = try FileSystemRules.ruleset(for: settings)
    }

    /// Has `command` run under this sandbox.
    public func apply(to command: inout HandlerCommand) {
        command.seccompFilters = filters
        command.landlock = landlock
    }
}
