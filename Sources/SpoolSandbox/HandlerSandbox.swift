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
    /// mounts, where each worker's handlers get a ruleset of their own
    /// (``needsTemporaryDirectory``), or on a kernel without Landlock.
    public let landlock: LandlockRuleset?
    /// The handler's own mounts; nil when the queue needs none, or when
    /// `PrivateTmp=` hides the shared temporary directories instead (where
    /// spoold cannot make mount namespaces, or makes them in user
    /// namespaces and the queue names no `TemporaryFileSystem=`).
    public let privateMounts: PrivateMounts?
    /// The settings, for the rules of a worker's temporary directory; nil
    /// when the handlers need none: where spoold makes no mount namespace,
    /// `PrivateTmp=` gives each worker's handlers a directory of their own
    /// as `TMPDIR` (``makeTemporaryDirectory()``) while Landlock hides the
    /// shared `/tmp` and `/var/tmp` (with no Landlock nothing is hidden,
    /// and the handlers use the shared ones as before).
    private let temporaryDirectorySettings: SandboxSettings?

    /// Builds the sandbox of `settings` (the filters and a shared ruleset are
    /// kept and found again; private mounts' rules are listed anew).
    /// - Throws: ``SandboxError`` when a part cannot be built, or
    ///   `TemporaryFileSystem=` needs a mount namespace spoold cannot make.
    public init(_ settings: SandboxSettings) throws(SandboxError) {
        try self.init(settings, mounts: PrivateMounts.support)
    }

    /// The sandbox of `settings` where spoold makes private mounts as
    /// `support` says. With a mount namespace of its own (root), `PrivateTmp=`
    /// is a tmpfs per handler; in user namespaces, which the packaged unit
    /// allows only by a drop-in, only a queue with `TemporaryFileSystem=`
    /// has private mounts (1.3-1.5× the start of the default sandbox), and
    /// `PrivateTmp=` alone is a `$TMPDIR` of each worker's own.
    init(_ settings: SandboxSettings, mounts support: PrivateMounts.Support) throws(SandboxError) {
        filters = try SandboxCompiler.filters(for: settings)
        let mounts = settings.temporaryMounts
        if case .unavailable(let reason) = support, !settings.temporaryFileSystems.isEmpty {
            throw .noMountNamespace(reason)
        }
        let wanted = switch support {
        case .mountNamespace: !mounts.isEmpty
        case .userNamespace: !settings.temporaryFileSystems.isEmpty
        case .unavailable: false
        }
        if wanted {
            privateMounts = PrivateMounts(
                temporaryFileSystems: mounts, landlock: try FileSystemRules.rules(for: settings, privateMounts: true),
                userNamespace: support == .userNamespace)
            landlock = nil
            temporaryDirectorySettings = nil
        } else {
            privateMounts = nil
            if settings.privateTmp, FileSystemRules.abi > 0 {
                // Each worker's handlers get a ruleset naming their
                // directory; the rules are checked now, as a shared
                // ruleset's would be, so a missing path fails the load.
                _ = try FileSystemRules.rules(for: settings, privateMounts: false)
                landlock = nil
                temporaryDirectorySettings = settings
            } else {
                landlock = try FileSystemRules.ruleset(for: settings)
                temporaryDirectorySettings = nil
            }
        }
    }

    /// Whether the handlers need a temporary directory of each worker's own
    /// (``makeTemporaryDirectory()``).
    public var needsTemporaryDirectory: Bool { temporaryDirectorySettings != nil }

    /// A new temporary directory for one worker's handlers, with their rules;
    /// nil when they need none.
    /// - Throws: ``SandboxError/temporaryDirectory(_:)`` when it cannot be
    ///   made, or as ``FileSystemRules/ruleset(for:temporaryDirectory:)``.
    public func makeTemporaryDirectory() throws(SandboxError) -> HandlerTemporaryDirectory? {
        guard let settings = temporaryDirectorySettings else { return nil }
        let path: String
        switch HandlerTemporaryDirectory.makeDirectory() {
        case .success(let made): path = made
        case .failure(let error): throw .temporaryDirectory(error.description)
        }
        do {
            return HandlerTemporaryDirectory(path: path, landlock: try FileSystemRules.ruleset(for: settings, temporaryDirectory: path))
        } catch {
            HandlerTemporaryDirectory(path: path, landlock: nil).remove()
            throw error
        }
    }

    /// Has `command` run under this sandbox, with `temporaryDirectory` (made
    /// by ``makeTemporaryDirectory()``) as its `TMPDIR` unless the queue's
    /// `Environment=` names another.
    public func apply(to command: inout HandlerCommand, temporaryDirectory: HandlerTemporaryDirectory? = nil) {
        command.seccompFilters = filters
        command.landlock = temporaryDirectory?.landlock ?? landlock
        command.privateMounts = privateMounts
        if let temporaryDirectory {
            command.temporaryDirectory = temporaryDirectory.path
            command.environment["TMPDIR"] = command.environment["TMPDIR"] ?? temporaryDirectory.path
        }
    }
}
