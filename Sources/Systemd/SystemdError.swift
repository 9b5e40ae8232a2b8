import Glibc

/// A call of systemd's protocols failed (CSystemd, which keeps libsystemd's names).
///
/// The sd_* functions report failures as a negative errno value, as libsystemd's do; this error keeps
/// that errno (as a positive number) and the name of the function that
/// returned it.
public struct SystemdError: Error, CustomStringConvertible, Equatable {
    /// The positive errno value, for example `ENOENT`.
    public let errno: Int32

    /// The sd_* function that failed, for example `"sd_notify"`.
    public let function: String

    /// Creates an error for `function` failing with `errno`.
    ///
    /// - Parameters:
    ///   - errno: the errno value; a negative value, as the sd_* functions return it,
    ///     is stored as its positive counterpart.
    ///   - function: the name of the failed sd_* function.
    public init(errno: Int32, function: String) {
        self.errno = errno < 0 ? -errno : errno
        self.function = function
    }

    /// The function name and the system's message for the errno, for example
    /// `"sd_notify: No such file or directory"`.
    public var description: String {
        "\(function): \(String(cString: strerror(errno)))"
    }
}
