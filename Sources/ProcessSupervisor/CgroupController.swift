/// A cgroup controller a handler's limits use.
public enum CgroupController: String, Sendable, Hashable, CaseIterable {
    /// `MemoryMax=`: `memory.max` (v2), `memory.limit_in_bytes` (v1).
    case memory
    /// `TasksMax=`: `pids.max`.
    case pids
    /// `CPUQuota=` and `CPUWeight=`: `cpu.max` and `cpu.weight` (v2),
    /// `cpu.cfs_quota_us` and `cpu.shares` (v1).
    case cpu

    /// The queue file keys that need the controller, as an admin writes them.
    public var keys: String {
        switch self {
        case .memory: "MemoryMax="
        case .pids: "TasksMax="
        case .cpu: "CPUQuota=/CPUWeight="
        }
    }
}
