#if canImport(Glibc)
import Glibc
#endif

/// spoold's own process, as Prometheus's `process_*` metrics describe one:
/// read from /proc/self at scrape time.
public struct ProcessMetrics: Sendable, Equatable {
    /// Resident memory, in bytes.
    public var residentBytes: Double
    /// Virtual memory, in bytes.
    public var virtualBytes: Double
    /// User and system CPU time, in seconds.
    public var cpuSeconds: Double
    /// Open file descriptors.
    public var openFileDescriptors: Double
    /// The soft limit on open file descriptors.
    public var maximumFileDescriptors: Double
    /// When the process started, in seconds since the Unix epoch.
    public var startTime: Double

    /// The calling process's figures now; nil when /proc cannot be read.
    public static func current() -> ProcessMetrics? {
        guard let stat = read("/proc/self/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name, from field 3 (state) on.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 21, let user = Double(fields[11]), let system = Double(fields[12]),
              let started = Double(fields[19]), let virtual = Double(fields[20]), let resident = Double(fields[21])
        else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        return ProcessMetrics(
            residentBytes: resident * pageSize, virtualBytes: virtual, cpuSeconds: (user + system) / ticks,
            openFileDescriptors: Double(openDescriptors()), maximumFileDescriptors: Double(limit.rlim_cur),
            startTime: bootTime() + started / ticks)
    }

    /// The entries of /proc/self/fd, less the one that lists them.
    private static func openDescriptors() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != 0x2E { count += 1 }  // not "." or ".."
        }
        return max(0, count - 1)
    }

    /// When the system booted, in seconds since the epoch: the wall clock
    /// less the boot clock, which a process's start time counts from.
    /// (/proc/stat's `btime` is hidden under `ProcSubset=pid`.)
    private static func bootTime() -> Double {
        var wall = timespec()
        var sinceBoot = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        clock_gettime(CLOCK_BOOTTIME, &sinceBoot)
        return Double(wall.tv_sec - sinceBoot.tv_sec) + Double(wall.tv_nsec - sinceBoot.tv_nsec) / 1e9
    }

    /// A small /proc file's text.
    private static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
