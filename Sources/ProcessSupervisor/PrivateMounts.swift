import CSpawn

/// A file system view of the handler's own: its child makes a mount
/// namespace (a slave of spoold's), mounts ``temporaryFileSystems`` there,
/// then changes to the handler's user and builds and enforces ``landlock``.
/// Nothing it mounts is seen outside, each attempt starts from empty tmpfs
/// instances, and the handler can mount or unmount nothing. A spoold with
/// CAP_SYS_ADMIN (root) makes the mount namespace with its own privilege;
/// one without makes it in a user namespace of the handler's own
/// (``userNamespace``), whose only ids are the handler's.
public struct PrivateMounts: Sendable, Equatable, Hashable {
    /// How this spoold can make private mounts.
    public enum Support: Sendable, Equatable {
        /// With its own privilege (CAP_SYS_ADMIN).
        case mountNamespace
        /// In a user namespace per handler (no privilege; the kernel and a
        /// unit's RestrictNamespaces= allow user and mount namespaces).
        case userNamespace
        /// Not at all, for this reason (as the kernel said when a child tried).
        case unavailable(String)
    }

    /// The tmpfs instances, mounted in order.
    public let temporaryFileSystems: [TemporaryMount]
    /// The file system rules, resolved after the mounts; nil: none (a kernel without Landlock).
    public let landlock: LandlockRules?
    /// Whether the mount namespace is owned by a user namespace of the handler's own.
    public let userNamespace: Bool

    /// Private mounts of `temporaryFileSystems`, then `landlock`, in a user
    /// namespace of the handler's own when `userNamespace`.
    public init(temporaryFileSystems: [TemporaryMount], landlock: LandlockRules?, userNamespace: Bool) {
        self.temporaryFileSystems = temporaryFileSystems
        self.landlock = landlock
        self.userNamespace = userNamespace
    }

    /// How this spoold can make private mounts, found once by children that
    /// tried: a mount namespace of their own, else one in a user namespace
    /// (under spoold's unit: `making a user namespace: Operation not
    /// permitted` while it has RestrictNamespaces=yes).
    public static let support: Support = {
        if cspawn_private_mounts_error(false) == 0 { return .mountNamespace }
        let error = cspawn_private_mounts_error(true)
        guard error != 0 else { return .userNamespace }
        return .unavailable(StartFailure(call: String(cString: cspawn_step_name(CSPAWN_STEP_USER_NAMESPACE)), error: error).reason)
    }()
}
