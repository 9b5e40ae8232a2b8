/// What a handler's cgroup saw during one attempt: the limits it enforced.
public struct CgroupEvents: Sendable, Equatable {
    /// Processes the OOM killer ended at `MemoryMax=`.
    public var oomKills: UInt64
    /// Forks and clones refused at `TasksMax=`.
    public var refusedForks: UInt64

    /// Counts from their parts.
    public init(oomKills: UInt64 = 0, refusedForks: UInt64 = 0) {
        self.oomKills = oomKills
        self.refusedForks = refusedForks
    }

    /// What happened between `earlier` and these counts.
    func since(_ earlier: CgroupEvents) -> CgroupEvents {
        CgroupEvents(
            oomKills: oomKills &- min(oomKills, earlier.oomKills),
            refusedForks: refusedForks &- min(refusedForks, earlier.refusedForks))
    }
}
