import Glibc

/// A libsystemd call failed.
///
/// libsystemd reports failures as a negative errno value; this error keeps
/// that errno (as a positive number) and the name of the function that
/// returned it.
public struct SystemdError: Error, CustomStringConvertible, Equatable {
    /// The positive errno value, for example `ENOENT`.
    public let errno: Int32

    /// The libsystemd function that failed, for example `"sd_notify"`.
    public let function: String

    /// Creates an error for `function` failing with `errno`.
    ///
    /// - Parameters:
    ///   - errno: the errno value; a negative value, as libsystemd returns it,
    ///     is stored as its positive counterpart.
    ///   - function: the name of the failed libsystemd function.
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
