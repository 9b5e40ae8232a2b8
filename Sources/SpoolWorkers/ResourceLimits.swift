/// The resource limits of a queue's handlers; `nil` leaves a limit as spoold's own.
public struct ResourceLimits: Sendable, Equatable {
    /// The address space in bytes (`LimitAS=`, `RLIMIT_AS`).
    public let addressSpace: ResourceLimit?
    /// The number of open file descriptors (`LimitNOFILE=`, `RLIMIT_NOFILE`).
    public let openFiles: ResourceLimit?
    /// The CPU time in seconds (`LimitCPU=`, `RLIMIT_CPU`).
    public let cpuSeconds: ResourceLimit?
    /// The number of processes of the handler's user (`LimitNPROC=`, `RLIMIT_NPROC`).
    public let processes: ResourceLimit?
}
