import CSpawn

/// A file system view of the handler's own: its child, still with spoold's
/// identity and capabilities, makes a mount namespace (a slave of spoold's),
/// mounts ``temporaryFileSystems`` there, then changes to the handler's user
/// and builds and enforces ``landlock``. Nothing it mounts is seen outside,
/// each attempt starts from empty tmpfs instances, and the handler can mount
/// or unmount nothing. It takes CAP_SYS_ADMIN: a spoold that runs as root.
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

    /// Why a handler cannot have private mounts here, as the kernel said
    /// when a child of spoold's tried once (`making a mount namespace:
    /// Operation not permitted` for a spoold that is not root, as under its
    /// unit); nil when it can.
    public static let unavailableReason: String? = {
        let error = cspawn_private_mounts_error()
        guard error != 0 else { return nil }
        return StartFailure(call: "making a mount namespace", error: error).reason
    }()
}
