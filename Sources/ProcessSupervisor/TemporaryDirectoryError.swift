#if canImport(Glibc)
import Glibc
#endif

/// Why a handler's temporary directory cannot be made.
public struct TemporaryDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The directory that could not be made, or the one it was to be made in.
    public let path: String
    /// The error the system reported.
    public let errno: Int32

    public var description: String { "\(path): \(String(cString: strerror(errno)))" }
}
