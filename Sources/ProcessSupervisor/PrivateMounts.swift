import CSpawn

/// A file system view of the handler's own: its child makes a user
/// namespace (mapping only the handler's uid and gid, which takes no
/// privilege) and a mount namespace in it, mounts ``temporaryFileSystems``
/// there, then builds and enforces ``landlock``. Nothing it mounts is seen
/// outside, and each attempt starts from empty tmpfs instances.
public struct PrivateMounts: Sendable, Equatable, Hashable {
    /// The tmpfs instances, mounted in order.
    public let temporaryFileSystems: [TemporaryMount]
    /// The file system rules, resolved after the mounts; nil: none (a kernel without Landlock).
    public let landlock: LandlockRules?

    /// Private mounts of `temporaryFileSystems`, then `landlock`.
    public init(temporaryFileSystems: [TemporaryMount], landlock: LandlockRules?) {
        self.temporaryFileSystems = temporaryFileSystems
        self.landlock = landlock
    }

    /// Why a handler cannot have private mounts on this machine, as the
    /// kernel said when a child of spoold's tried once (`unshare(CLONE_NEWUSER|CLONE_NEWNS):
    /// Operation not permitted` under a unit with `RestrictNamespaces=yes`); nil when it can.
    public static let unavailableReason: String? = {
        let error = cspawn_private_mounts_error()
        guard error != 0 else { return nil }
        return StartFailure(call: "unshare(CLONE_NEWUSER|CLONE_NEWNS)", error: error).reason
    }()
}
