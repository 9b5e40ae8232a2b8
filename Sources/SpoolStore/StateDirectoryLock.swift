#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a state directory, so that two daemons never share
/// one store. Held until the process exits (the kernel drops it even after
/// `kill -9`).
public final class StateDirectoryLock: Sendable {
    /// The lock file, `spoold.lock` in the directory.
    public let path: String
    private let descriptor: Int32

    /// Takes the lock, writing this process's id into the lock file.
    /// - Throws: ``StoreError/locked(path:owner:)`` when another process holds it.
    public init(directory: String) throws {
        path = directory + "/spoold.lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StoreError.unusableDirectory(path: directory, reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let owner = Self.readOwner(descriptor)
            close(descriptor)
            throw StoreError.locked(path: path, owner: owner)
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        close(descriptor)
    }

    /// The process id written in the lock file, if it reads as one.
    private static func readOwner(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return String(decoding: bytes[..<count], as: UTF8.self).split(separator: "\n").first.flatMap { Int32($0) }
    }
}
