/// The resource limits set on a supervised process; `nil` leaves a limit as the supervisor's own.
public struct ResourceLimits: Sendable, Equatable {
    /// The address space in bytes (`LimitAS=`, `RLIMIT_AS`).
    public let addressSpace: ResourceLimit?
    /// The number of open file descriptors (`LimitNOFILE=`, `RLIMIT_NOFILE`).
    public let openFiles: ResourceLimit?
    /// The CPU time in seconds (`LimitCPU=`, `RLIMIT_CPU`).
    public let cpuSeconds: ResourceLimit?
    /// The number of processes of the handler's user (`LimitNPROC=`, `RLIMIT_NPROC`).
    public let processes: ResourceLimit?

    /// Limits from their parts; `nil` leaves that limit as the supervisor's own.
    public init(
        addressSpace: ResourceLimit? = nil, openFiles: ResourceLimit? = nil, cpuSeconds: ResourceLimit? = nil,
        processes: ResourceLimit? = nil
    ) {
        self.addressSpace = addressSpace
        self.openFiles = openFiles
        self.cpuSeconds = cpuSeconds
        self.processes = processes
    }
}
