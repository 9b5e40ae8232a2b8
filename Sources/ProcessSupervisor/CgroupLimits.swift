/// The limits a cgroup of its own sets on a handler and on everything it
/// starts, as systemd's resource-control keys of the same names set them on
/// a unit; nil leaves a limit off.
public struct CgroupLimits: Sendable, Hashable {
    /// `MemoryMax=`: the most memory, in bytes, the handler's processes use
    /// together (page cache included) before the kernel's OOM killer ends one.
    public var memoryMax: UInt64?
    /// `TasksMax=`: the most processes and threads at once; a fork past it fails with `EAGAIN`.
    public var tasksMax: UInt64?
    /// `CPUQuota=`: the CPU time the handler may use, in percent of one CPU
    /// (200: two CPUs' worth), enforced over periods of 100 ms.
    public var cpuQuotaPercent: UInt64?
    /// `CPUWeight=`: the handler's share of the CPU under contention, 1 to
    /// 10000 (100 is every other cgroup's).
    public var cpuWeight: UInt64?

    /// Limits from their parts; nil leaves a limit off.
    public init(memoryMax: UInt64? = nil, tasksMax: UInt64? = nil, cpuQuotaPercent: UInt64? = nil, cpuWeight: UInt64? = nil) {
        self.memoryMax = memoryMax
        self.tasksMax = tasksMax
        self.cpuQuotaPercent = cpuQuotaPercent
        self.cpuWeight = cpuWeight
    }

    /// Whether no limit is set: the handler needs no cgroup of its own.
    public var isEmpty: Bool { controllers.isEmpty }

    /// The controllers the limits that are set need.
    public var controllers: Set<CgroupController> {
        var needed: Set<CgroupController> = []
        if memoryMax != nil { needed.insert(.memory) }
        if tasksMax != nil { needed.insert(.pids) }
        if cpuQuotaPercent != nil || cpuWeight != nil { needed.insert(.cpu) }
        return needed
    }

    /// The keys of the limits that are set, as a queue file names them: `MemoryMax=, TasksMax=`.
    public var keys: String {
        [
            memoryMax.map { _ in "MemoryMax=" }, tasksMax.map { _ in "TasksMax=" },
            cpuQuotaPercent.map { _ in "CPUQuota=" }, cpuWeight.map { _ in "CPUWeight=" },
        ].compactMap { $0 }.joined(separator: ", ")
    }

    /// The length of the period `CPUQuota=` is enforced over, in microseconds (systemd's).
    static let cpuPeriodMicroseconds: UInt64 = 100_000
}
