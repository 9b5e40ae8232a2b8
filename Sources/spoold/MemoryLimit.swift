#if canImport(Glibc)
import Glibc
#endif

/// The memory jobs may take before spoold refuses new ones, when
/// `--memory-limit` does not say: three quarters of what spoold may use, its
/// cgroup's `memory.max` (systemd's `MemoryMax=`) or the machine's memory,
/// whichever is lower, so that puts are refused before the kernel kills.
enum MemoryLimit {
    static var `default`: Int {
        var limit = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        // cgroup v2: "0::/system.slice/spoold.service"
        if let groups = firstLine(of: "/proc/self/cgroup"), groups.hasPrefix("0::"),
           let text = firstLine(of: "/sys/fs/cgroup" + groups.dropFirst(3) + "/memory.max"), let cgroup = Int(text) {
            limit = min(limit, cgroup)
        }
        return limit / 4 * 3
    }

    /// The first line of a small file, or nil when it cannot be read.
    private static func firstLine(of path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }
}
