/// Why a queue's sandbox cannot be built.
public enum SandboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `SystemCallFilter=` names a group systemd does not define.
    case unknownGroup(String)
    /// `SystemCallFilter=` names a system call this machine does not have.
    case unknownSystemCall(String)
    /// libseccomp refused the filter.
    case seccomp(String)
    /// A `ReadWritePaths=` path does not exist (and has no `-` first).
    case missingPath(String)
    /// The kernel refused the Landlock ruleset.
    case landlock(String)
    /// `TemporaryFileSystem=` needs a mount namespace per handler, which
    /// spoold cannot make here, for this reason.
    case noMountNamespace(String)
    /// `PrivateTmp=`'s directory for a worker's handlers cannot be made, for this reason.
    case temporaryDirectory(String)

    public var description: String {
        switch self {
        case .unknownGroup(let group): "SystemCallFilter=: systemd knows no group \(group) (systemd-analyze syscall-filter lists them)"
        case .unknownSystemCall(let name): "SystemCallFilter=: \(name) is no system call of this machine"
        case .seccomp(let reason): "cannot build the seccomp filter: \(reason)"
        case .missingPath(let path): "ReadWritePaths=: \(path) does not exist (write -\(path) to ignore it when missing)"
        case .landlock(let reason): "cannot build the file system rules: \(reason)"
        case .temporaryDirectory(let reason): "PrivateTmp=: cannot make the handlers' temporary directory: \(reason)"
        case .noMountNamespace(let reason):
            "TemporaryFileSystem=: needs a mount namespace per handler, which spoold makes as root or, without root, in a user namespace per handler (\(reason))"
        }
    }
}
