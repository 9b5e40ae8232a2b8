import Glibc

/// Why a handler cannot have the cgroup its limits need, in words an admin
/// acts on: `no writable memory cgroup: mkdir /sys/fs/cgroup/memory/...: Read-only file system`.
public struct CgroupError: Error, Sendable, CustomStringConvertible {
    /// The explanation.
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    /// The failure of `call` on `path` with `error`.
    init(_ call: String, _ path: String, error: Int32) {
        self.init("\(call) \(path): \(String(cString: strerror(error)))")
    }
}
