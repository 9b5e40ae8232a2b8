import SpoolCore
import SpoolEngineHost
import SpoolPool

/// Spool's metrics, named as Prometheus names things: what `/metrics`
/// serves, written from one ``EngineMetrics``, the worker pools' status and
/// the process's figures. README's Metrics section lists every family.
///
/// The `tube` label is bounded: the tubes the engine observes apart (the
/// first ``Engine/observedTubeLimit`` names it saw) have their own, and
/// every other tube is counted under ``otherTubes``, a value no tube name
/// can take (it has a space). Job bodies never appear.
public enum SpoolMetricFamilies {
    /// The `tube` label of the tubes past the limit.
    public static let otherTubes = "(other tubes)"

    /// The scrape of `engine`, `pools` and `process` in `format`.
    public static func exposition(
        _ engine: EngineMetrics, pools: [PoolStatus], process: ProcessMetrics?, format: MetricsFormat
    ) -> String {
        var out = MetricsExposition(format: format)
        let labelled = labelledTubes(engine)
        jobs(engine, labelled: labelled, into: &out)
        activity(engine, into: &out)
        server(engine, into: &out)
        store(engine, into: &out)
        self.pools(pools, into: &out)
        if let process { self.process(process, into: &out) }
        return out.finished()
    }

    /// The `tube` label of each tube: its name if it is observed apart, else ``otherTubes``.
    static func labelledTubes(_ engine: EngineMetrics) -> [(label: String, stats: TubeStats)] {
        let observed = Set(engine.tubeActivity.compactMap(\.tube))
        return engine.queue.tubeNames.enumerated().compactMap { index, name in
            guard let stats = engine.queue.tubes[name] else { return nil }
            // An engine that observes no activity (a cluster node) bounds by list order.
            let own = engine.tubeActivity.isEmpty ? index < Engine.observedTubeLimit : observed.contains(name)
            return (own ? name : otherTubes, stats)
        }
    }

    private static func jobs(_ engine: EngineMetrics, labelled: [(label: String, stats: TubeStats)], into out: inout MetricsExposition) {
        var byState: [String: [JobState: Int]] = [:]
        var order: [String] = []
        var paused: [(MetricLabels, Double)] = []
        for (label, stats) in labelled {
            if byState[label] == nil { order.append(label) }
            byState[label, default: [:]][.ready, default: 0] += stats.ready
            byState[label, default: [:]][.delayed, default: 0] += stats.delayed
            byState[label, default: [:]][.reserved, default: 0] += stats.reserved
            byState[label, default: [:]][.buried, default: 0] += stats.buried
            if label != otherTubes { paused.append(([("tube", label)], stats.pauseTimeLeft > 0 || stats.pauseSeconds > 0 ? 1 : 0)) }
        }
        let states: [JobState] = [.ready, .delayed, .reserved, .buried]
        out.gauge("spool_jobs", help: "Jobs in each tube by state, as stats-tube counts them.", order.flatMap { label in
            states.map { state in ([("tube", label), ("state", state.rawValue)], Double(byState[label]?[state] ?? 0)) }
        })
        out.gauge("spool_tube_paused", help: "1 while the tube is paused (pause-tube), else 0.", paused)
    }

    private static func activity(_ engine: EngineMetrics, into out: inout MetricsExposition) {
        let tubes = engine.tubeActivity.filter { $0.tube != nil || $0.puts + $0.reserves + $0.deletes > 0 }
        func label(_ activity: TubeActivity) -> MetricLabels { [("tube", activity.tube ?? otherTubes)] }
        out.counter("spool_jobs_put", help: "Jobs put into each tube since start.", tubes.map { (label($0), Double($0.puts)) })
        out.counter("spool_jobs_reserved", help: "Reservations of each tube's jobs since start.", tubes.map { (label($0), Double($0.reserves)) })
        out.counter("spool_jobs_deleted", help: "Jobs deleted from each tube since start.", tubes.map { (label($0), Double($0.deletes)) })
        out.histogram(
            "spool_job_wait_seconds", help: "Time from a job becoming ready (put, delay over, release, kick) to its reservation.",
            tubes.map { (label($0), $0.waitTime) })
        out.histogram(
            "spool_job_run_seconds", help: "Time from a job's reservation to its delete by the worker holding it.",
            tubes.map { (label($0), $0.runTime) })
    }

    private static func server(_ engine: EngineMetrics, into out: inout MetricsExposition) {
        let stats = engine.queue.stats
        out.info("spool_build", help: "spoold's version and the beanstalkd protocol version it speaks.", [
            ("version", SpoolVersion.current), ("beanstalkd_version", SpoolVersion.beanstalkdProtocol),
        ])
        out.counter("spool_commands", help: "Protocol commands received since start, by command.", CommandCounters.Kind.allCases.map { kind in
            ([("command", String(kind.key.dropFirst(4)))], Double(engine.commands[kind]))
        })
        out.gauge("spool_connections", help: "Open protocol connections.", Double(stats.sessions))
        out.counter("spool_connections_accepted", help: "Protocol connections opened since start.", Double(stats.totalSessions))
        out.gauge("spool_connections_waiting", help: "Connections waiting in a reserve.", Double(stats.waiting))
        out.counter("spool_reservation_timeouts", help: "Reservations whose time to run ran out since start.", Double(stats.jobTimeouts))
        out.gauge("spool_processing", help: "1 while reserves hand out jobs (the control plane's Start), 0 after Stop.", engine.queue.isProcessing ? 1 : 0)
        out.gauge("spool_draining", help: "1 while puts are refused (SIGUSR1), else 0.", engine.queue.isDraining ? 1 : 0)
    }

    private static func store(_ engine: EngineMetrics, into out: inout MetricsExposition) {
        out.info("spool_store", help: "The store's durability mode.", [("durability", engine.durability)])
        let conditions: [(String, StoreCondition)] = [("healthy", .healthy), ("full", .full), ("failing", .failing)]
        out.gauge("spool_store_condition", help: "1 for the store's condition now: healthy, full (new jobs refused) or failing (commits fail).",
            conditions.map { name, condition in ([("condition", name)], engine.storeCondition == condition ? 1 : 0) })
        guard let commits = engine.commits else { return }
        out.histogram("spool_store_commit_seconds", help: "Time of each store commit (write and fsync) as the engine waits for it.",
            [([], commits.latency)])
        out.histogram("spool_store_commit_records", help: "Records carried by each store commit (group commit).", [([], commits.batchSize)])
    }

    private static func pools(_ pools: [PoolStatus], into out: inout MetricsExposition) {
        let pools = pools.prefix(Engine.observedTubeLimit)
        out.gauge("spool_pool_workers", help: "Worker pool workers of each tube, busy (running a handler) or idle.", pools.flatMap { pool in
            [([("tube", pool.tube), ("state", "busy")], Double(pool.busy)), ([("tube", pool.tube), ("state", "idle")], Double(pool.idle))]
        })
        out.counter("spool_pool_attempts", help: "Handler attempts finished since start, by outcome: succeeded, retried or buried.", pools.flatMap { pool in
            [
                ([("tube", pool.tube), ("outcome", "succeeded")], Double(pool.attempts - pool.failures)),
                ([("tube", pool.tube), ("outcome", "retried")], Double(pool.failures - pool.buried)),
                ([("tube", pool.tube), ("outcome", "buried")], Double(pool.buried)),
            ]
        })
    }

    private static func process(_ process: ProcessMetrics, into out: inout MetricsExposition) {
        out.counter("process_cpu_seconds", help: "User and system CPU time spent, in seconds.", process.cpuSeconds)
        out.gauge("process_resident_memory_bytes", help: "Resident memory size in bytes.", process.residentBytes)
        out.gauge("process_virtual_memory_bytes", help: "Virtual memory size in bytes.", process.virtualBytes)
        out.gauge("process_open_fds", help: "Number of open file descriptors.", process.openFileDescriptors)
        out.gauge("process_max_fds", help: "Maximum number of open file descriptors.", process.maximumFileDescriptors)
        out.gauge("process_start_time_seconds", help: "Start time of the process since the Unix epoch in seconds.", process.startTime)
    }
}
