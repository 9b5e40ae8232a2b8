import ProcessSupervisor

/// A queue's sandbox as its file sets it, with systemd's keys and meaning:
/// `SystemCallFilter=`, `SystemCallErrorNumber=`, `RestrictAddressFamilies=`,
/// `PrivateNetwork=`, `RestrictNamespaces=`, the paths, `PrivateTmp=` and
/// `TemporaryFileSystem=`.
/// The words are checked here; the system calls and
/// groups they name are resolved when the filter is built (SpoolSandbox).
public struct SandboxSettings: Sendable, Equatable, Hashable {
    /// The `SystemCallFilter=` assignments in order, each a list of system
    /// call names and `@groups`, a leading `~` making it a deny list. The
    /// first decides whether the filter allows or denies; the later ones add
    /// to it or, with the other polarity, take from it (as systemd's).
    public var systemCallFilter: [[String]]
    /// The errno a denied system call fails with (`SystemCallErrorNumber=`);
    /// nil: the process is killed with SIGSYS, systemd's default.
    public var systemCallErrorNumber: Int32?
    /// The `RestrictAddressFamilies=` assignments (`AF_UNIX`, `AF_INET`, ...,
    /// `~` for a deny list, `none` for no socket at all); empty: not set.
    public var addressFamilies: [[String]]
    /// `PrivateNetwork=`: no network at all (only `AF_UNIX` may be allowed,
    /// and only by `RestrictAddressFamilies=`).
    public var privateNetwork: Bool
    /// `RestrictNamespaces=`: the handler can make or join no namespace
    /// (`clone`/`unshare` with a `CLONE_NEW*` flag and `setns` fail with
    /// EPERM, `clone3` with ENOSYS). On by default; a handler that builds
    /// a sandbox of its own (bubblewrap, a container runtime) wants `no`.
    public var restrictNamespaces = true
    /// `ReadWritePaths=`: the only places the handler may change, absolute
    /// paths (a leading `-`: ignored when missing). Everything else is read-only.
    public var readWritePaths: [String] = []
    /// `ReadOnlyPaths=`: read-only, as everything outside `ReadWritePaths=` is;
    /// kept for systemd's spelling (a path beneath a writable one is refused).
    public var readOnlyPaths: [String] = []
    /// `InaccessiblePaths=`: neither readable nor writable (absolute paths,
    /// a leading `-`: ignored when missing).
    public var inaccessiblePaths: [String] = []
    /// `PrivateTmp=`: the shared `/tmp` and `/var/tmp` are out of reach
    /// (inaccessible), and where spoold can make a mount namespace per
    /// handler (it runs as root), each handler gets a `/tmp` and a
    /// `/var/tmp` of its own, empty at its start (tmpfs instances).
    public var privateTmp = true
    /// `TemporaryFileSystem=`: an empty tmpfs over each of these directories
    /// for each handler, in its own mount namespace (read-only with `ro`;
    /// writable by the handler only where `ReadWritePaths=` says so, as the
    /// rest of the file system).
    public var temporaryFileSystems: [TemporaryMount] = []

    /// The tmpfs instances a handler gets in a mount namespace of its own:
    /// `PrivateTmp=`'s, then `TemporaryFileSystem=`'s.
    public var temporaryMounts: [TemporaryMount] {
        (privateTmp
            ? [TemporaryMount(path: "/tmp", options: "mode=1777"), TemporaryMount(path: "/var/tmp", options: "mode=1777", optional: true)]
            : []) + temporaryFileSystems
    }

    /// The paths no handler of this queue may read: `InaccessiblePaths=`,
    /// and with `PrivateTmp=` the shared temporary directories (a handler's
    /// own, mounted over them, is reached through a rule of its own).
    public var effectiveInaccessiblePaths: [String] {
        inaccessiblePaths + (privateTmp ? ["-/tmp", "-/var/tmp"] : [])
    }

    /// The paths a handler may write: the devices every handler may write, `ReadWritePaths=`,
    /// and in a mount namespace of its own, `PrivateTmp=`'s directories.
    public func writablePaths(privateMounts: Bool) -> [String] {
        Self.alwaysWritable.map { "-" + $0 } + readWritePaths
            + (privateTmp && privateMounts ? ["/tmp", "-/var/tmp"] : [])
    }

    /// The strict default of a queue file that names none: `@system-service`
    /// without `@privileged`, killed with SIGSYS otherwise, no network, no
    /// socket, and a read-only file system.
    public static let strict = SandboxSettings(
        systemCallFilter: [], systemCallErrorNumber: nil, addressFamilies: [], privateNetwork: true)

    /// The filter a queue gets without `SystemCallFilter=`.
    public static let defaultSystemCallFilter = [["@system-service"], ["~@privileged"]]

    /// The `SystemCallFilter=` in effect: the file's, or the default.
    public var effectiveSystemCallFilter: [[String]] {
        systemCallFilter.isEmpty ? Self.defaultSystemCallFilter : systemCallFilter
    }

    /// A sandbox from its settings.
    public init(systemCallFilter: [[String]], systemCallErrorNumber: Int32?, addressFamilies: [[String]], privateNetwork: Bool) {
        self.systemCallFilter = systemCallFilter
        self.systemCallErrorNumber = systemCallErrorNumber
        self.addressFamilies = addressFamilies
        self.privateNetwork = privateNetwork
    }

    /// What every handler may write whatever its file says: the devices that
    /// discard or produce data.
    public static let alwaysWritable = ["/dev/null", "/dev/zero", "/dev/full"]

    /// The address families by name, as `socket(2)` numbers them (Linux).
    public static let addressFamilyNumbers: [String: Int32] = [
        "AF_UNIX": 1, "AF_LOCAL": 1, "AF_INET": 2, "AF_AX25": 3, "AF_IPX": 4, "AF_APPLETALK": 5, "AF_NETROM": 6,
        "AF_BRIDGE": 7, "AF_ATMPVC": 8, "AF_X25": 9, "AF_INET6": 10, "AF_ROSE": 11, "AF_DECnet": 12,
        "AF_NETBEUI": 13, "AF_SECURITY": 14, "AF_KEY": 15, "AF_NETLINK": 16, "AF_PACKET": 17, "AF_ASH": 18,
        "AF_ECONET": 19, "AF_ATMSVC": 20, "AF_RDS": 21, "AF_SNA": 22, "AF_IRDA": 23, "AF_PPPOX": 24,
        "AF_WANPIPE": 25, "AF_LLC": 26, "AF_IB": 27, "AF_MPLS": 28, "AF_CAN": 29, "AF_TIPC": 30,
        "AF_BLUETOOTH": 31, "AF_IUCV": 32, "AF_RXRPC": 33, "AF_ISDN": 34, "AF_PHONET": 35, "AF_IEEE802154": 36,
        "AF_CAIF": 37, "AF_ALG": 38, "AF_NFC": 39, "AF_VSOCK": 40, "AF_KCM": 41, "AF_QIPCRTR": 42, "AF_SMC": 43,
        "AF_XDP": 44, "AF_MCTP": 45,
    ]

    /// The errno names `SystemCallErrorNumber=` takes (Linux numbers).
    public static let errorNumbers: [String: Int32] = [
        "EPERM": 1, "ENOENT": 2, "EIO": 5, "EBADF": 9, "EAGAIN": 11, "ENOMEM": 12, "EACCES": 13, "EFAULT": 14,
        "EBUSY": 16, "EEXIST": 17, "EINVAL": 22, "ENOSPC": 28, "EROFS": 30, "ENOSYS": 38, "EOPNOTSUPP": 95,
        "ENOTSUP": 95, "EAFNOSUPPORT": 97, "EADDRNOTAVAIL": 99, "ENETDOWN": 100, "ENETUNREACH": 101,
        "ECONNREFUSED": 111,
    ]
}
