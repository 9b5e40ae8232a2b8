import Foundation
import SpoolTestSupport
import XCTest

/// A small tmpfs mounted on a fresh directory, to give spoold a state
/// directory that fills up or turns read-only on demand. Needs root.
final class TmpfsMount {
    /// The mount point.
    let directory: URL
    private var isMounted = true

    /// The mount point's path.
    var path: String { directory.path }

    /// Mounts a tmpfs of `megabytes` MiB.
    /// - Throws: ``TestRequirement`` when not root or when the kernel refuses
    ///   the mount: the test then fails, since it could not check anything.
    init(megabytes: Int) throws {
        guard getuid() == 0 else { throw TestRequirement("mounting a tmpfs needs root: run the tests as root, as CI does") }
        directory = try TestScratch.temporaryDirectory()
        let options = "size=\(megabytes)m,mode=0700"
        let result = try runCommand("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", directory.path], timeout: 30)
        guard result.status == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw TestRequirement("cannot mount a tmpfs: \(result.output)")
        }
    }

    /// Remounts the file system read-only or read-write; returns `mount`'s result
    /// (Linux refuses a read-only remount while a file on it is open for writing).
    func remount(readOnly: Bool) throws -> CommandResult {
        try runCommand("/bin/mount", ["-o", readOnly ? "remount,ro" : "remount,rw", directory.path], timeout: 30)
    }

    /// Writes a file of zeros until the file system has no space left; returns its URL.
    func fill() throws -> URL {
        let filler = directory.appendingPathComponent("filler")
        let descriptor = open(filler.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0, count: 1 << 16)
        while chunk.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
        guard errno == ENOSPC else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return filler
    }

    /// Unmounts (lazily if something still uses it) and removes the mount point.
    func unmount() {
        guard isMounted else { return }
        isMounted = false
        if (try? runCommand("/bin/umount", [directory.path], timeout: 30))?.status != 0 {
            _ = try? runCommand("/bin/umount", ["-l", directory.path], timeout: 30)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit {
        unmount()
    }
}
