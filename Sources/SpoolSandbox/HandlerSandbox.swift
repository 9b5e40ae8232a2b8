import ProcessSupervisor
import SpoolQueueFiles

/// A queue's sandbox, built: its seccomp filters, and its file system —
/// a mount namespace of each handler's own (`PrivateTmp=`,
/// `TemporaryFileSystem=`) with the Landlock rules its child resolves, or
/// a Landlock ruleset all handlers share. What a handler's command carries
/// into the child.
public struct HandlerSandbox: Sendable {
    /// The filters (``SandboxCompiler``).
    public let filters: [SeccompFilter]
    /// The shared file system rules (``FileSystemRules``); nil with private
    /// mounts, or on a kernel without Landlock.
    public let landlock: LandlockRuleset?
    /// The handler's own mounts; nil when the queue needs none, or when
    /// spoold cannot make mount namespaces and `PrivateTmp=` hides the
    /// shared temporary directories instead.
    public let privateMounts: PrivateMounts?

    /// Builds the sandbox of `settings` (the filters and a shared ruleset are
    /// kept and found again; private mounts' rules are listed anew).
    /// - Throws: ``SandboxError`` when a part cannot be built, or
    ///   `TemporaryFileSystem=` needs a mount namespace spoold cannot make.
    public init(_ settings: SandboxSettings) throws(SandboxError) {
        try self.init(settings, privateMountsUnavailable: PrivateMounts.unavailableReason)
    }

    /// The sandbox of `settings` where mount namespaces are unavailable for
    /// `privateMountsUnavailable` (nil: available).
    init(_ settings: SandboxSettings, privateMountsUnavailable: String?) throws(SandboxError) {
        filters = try SandboxCompiler.filters(for: settings)
        let mounts = settings.temporaryMounts
        if !mounts.isEmpty, privateMountsUnavailable == nil {
            privateMounts = PrivateMounts(
                temporaryFileSystems: mounts, landlock: try FileSystemRules.rules(for: settings, privateMounts: true))
            landlock = nil
        } else {
            if let reason = privateMountsUnavailable, !settings.temporaryFileSystems.isEmpty {
                throw .noMountNamespace(reason)
            }
            privateMounts = nil
            landlock = try FileSystemRules.ruleset(for: settings)
        }
    }

    /// Has `command` run under this sandbox.
    public func apply(to command: inout HandlerCommand) {
        command.seccompFilters = filters
        command.landlock = landlock
        command.privateMounts = privateMounts
    }
}
