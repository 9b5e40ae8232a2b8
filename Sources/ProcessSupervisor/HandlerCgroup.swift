import Glibc
import Synchronization

/// The cgroup one worker's handlers run in, one attempt at a time, made by
/// a ``CgroupTree``: the handler joins it before it execs, so that its
/// limits hold for it and for everything it starts, and what is left of it
/// when the attempt ends is killed.
public final class HandlerCgroup: Sendable {
    /// The cgroup's directory for each controller it has (v2: one for all).
    let directories: [CgroupController: String]
    /// cgroup v2 (one hierarchy) or v1.
    let isUnified: Bool
    /// Why each controller it lacks is missing.
    let missing: [CgroupController: String]
    /// The `cgroup.procs` file of each directory, open for writing
    /// (close-on-exec), which a handler writes itself into.
    private let procs: [String: Int32]
    /// The limits written last, so that an attempt with the same limits writes nothing.
    private let applied = Mutex<CgroupLimits?>(nil)
    /// Set when an attempt left processes in the cgroup that could not be
    /// killed: they would count against the next attempt's limits.
    private let spoiled = Atomic<Bool>(false)

    init(directories: [CgroupController: String], isUnified: Bool, missing: [CgroupController: String]) throws(CgroupError) {
        self.directories = directories
        self.isUnified = isUnified
        self.missing = missing
        var procs: [String: Int32] = [:]
        for directory in Set(directories.values) {
            let descriptor = open("\(directory)/cgroup.procs", O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                let error = errno
                procs.values.forEach { _ = close($0) }
                throw CgroupError("open", "\(directory)/cgroup.procs", error: error)
            }
            procs[directory] = descriptor
        }
        self.procs = procs
    }

    deinit {
        procs.values.forEach { _ = close($0) }
    }

    /// The directories a handler with `limits` joins: those of the
    /// controllers the limits use (on v1, each move into a hierarchy costs
    /// the kernel a lock that every fork of the machine takes too).
    private func placement(_ limits: CgroupLimits) -> [String] {
        Set(limits.controllers.compactMap { directories[$0] }).sorted()
    }

    /// The `cgroup.procs` descriptors a handler with `limits` writes itself into.
    func procsDescriptors(for limits: CgroupLimits) -> [Int32] {
        placement(limits).compactMap { procs[$0] }
    }

    /// Sets `limits`, and lifts those it leaves off.
    /// - Throws: when a limit needs a controller the cgroup lacks, or a limit cannot be written.
    public func apply(_ limits: CgroupLimits) throws(CgroupError) {
        let previous = applied.withLock { $0 }
        if previous == limits { return }
        for controller in limits.controllers.sorted(by: { $0.rawValue < $1.rawValue }) where directories[controller] == nil {
            throw CgroupError("\(controller.keys) cannot be enforced: \(missing[controller] ?? "no \(controller.rawValue) cgroup")")
        }
        // The controllers these limits use, and those the last ones did
        // (their limits are lifted); no other controller's files are touched.
        let touched = limits.controllers.union(previous?.controllers ?? [])
        applied.withLock { $0 = nil }
        if touched.contains(.memory), let directory = directories[.memory] {
            let limit = limits.memoryMax.map { "\($0)" } ?? (isUnified ? "max" : "-1")
            try CgroupFile.write(limit, to: directory + (isUnified ? "/memory.max" : "/memory.limit_in_bytes"))
        }
        if touched.contains(.pids), let directory = directories[.pids] {
            try CgroupFile.write(limits.tasksMax.map { "\($0)" } ?? "max", to: "\(directory)/pids.max")
        }
        if touched.contains(.cpu), let directory = directories[.cpu] {
            let period = CgroupLimits.cpuPeriodMicroseconds
            let quota = limits.cpuQuotaPercent.map { $0 * period / 100 }
            let weight = limits.cpuWeight ?? 100
            if isUnified {
                try CgroupFile.write("\(quota.map { "\($0)" } ?? "max") \(period)", to: "\(directory)/cpu.max")
                try CgroupFile.write("\(weight)", to: "\(directory)/cpu.weight")
            } else {
                try CgroupFile.write("\(period)", to: "\(directory)/cpu.cfs_period_us")
                try CgroupFile.write(quota.map { "\($0)" } ?? "-1", to: "\(directory)/cpu.cfs_quota_us")
                // systemd's mapping: weight 100 is 1024 shares.
                try CgroupFile.write("\(max(2, weight * 1024 / 100))", to: "\(directory)/cpu.shares")
            }
        }
        applied.withLock { $0 = limits }
    }

    /// The cgroup's counts of the limits among `limits` it enforced so far.
    func events(for limits: CgroupLimits) -> CgroupEvents {
        CgroupEvents(
            oomKills: directories[.memory].flatMap { limits.memoryMax == nil ? nil : $0 }.map {
                CgroupFile.counter("oom_kill", in: $0 + (isUnified ? "/memory.events" : "/memory.oom_control"))
            } ?? 0,
            refusedForks: directories[.pids].flatMap { limits.tasksMax == nil ? nil : $0 }.map {
                CgroupFile.counter("max", in: "\($0)/pids.events")
            } ?? 0)
    }

    /// Kills whatever is left in the cgroup of a handler with `limits`
    /// (processes it started that left its process group) and waits, up to a
    /// second, until none is; past that the cgroup is ``isSpoiled``.
    func killRemaining(for limits: CgroupLimits) {
        guard let directory = placement(limits).first else { return }
        // v2 kills the cgroup as one (no pid that might be reused meanwhile);
        // v1 has no cgroup.kill, or a kernel before 5.14.
        let killsAtOnce = isUnified && (try? CgroupFile.write("1", to: "\(directory)/cgroup.kill")) != nil
        for _ in 0..<1_000 {
            if let processes = CgroupFile.processes("\(directory)/cgroup.procs") {
                if processes.isEmpty { return }
                if !killsAtOnce { for process in processes { kill(process, SIGKILL) } }
            }
            usleep(1_000)
        }
        spoiled.store(true, ordering: .relaxed)
    }

    /// Whether an attempt left processes here that could not be killed: the
    /// worker should take a new cgroup for its next attempt.
    public var isSpoiled: Bool { spoiled.load(ordering: .relaxed) }

    /// Removes the cgroup, once no handler runs in it; what cannot be
    /// removed (a process still dying) goes with the tree.
    public func remove() {
        for directory in Set(directories.values) { rmdir(directory) }
    }
}
