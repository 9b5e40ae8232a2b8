import SpoolCore
import SpoolProtocol

/// The YAML documents of `stats`, `stats-tube` and `stats-job`, with
/// beanstalkd's keys in beanstalkd's order (and Spool's own after them):
/// the same for every engine, from the statistics it gathers.
public enum StatsDocuments {
    /// The `stats` document of an engine with `stats`, its command
    /// `counters`, its `configuration` and identity, up `uptime` seconds.
    public static func server(
        _ stats: EngineStats, counters: CommandCounters, configuration: HostConfiguration, identity: ProcessIdentity,
        uptime: Int64
    ) -> YAMLDocument {
        let cpu = ProcessIdentity.cpuTimes()
        var document = YAMLDocument()
        document.add("current-jobs-urgent", stats.urgent)
        document.add("current-jobs-ready", stats.ready)
        document.add("current-jobs-reserved", stats.reserved)
        document.add("current-jobs-delayed", stats.delayed)
        document.add("current-jobs-buried", stats.buried)
        for kind in CommandCounters.Kind.allCases where kind != .reserveJob && kind != .kickJob {
            document.add(kind.key, counters[kind])
        }
        document.add("job-timeouts", stats.jobTimeouts)
        document.add("total-jobs", stats.totalJobs)
        document.add("max-job-size", configuration.maxJobSize)
        document.add("current-tubes", stats.tubes)
        document.add("current-connections", stats.sessions)
        document.add("current-producers", stats.producers)
        document.add("current-workers", stats.workers)
        document.add("current-waiting", stats.waiting)
        document.add("total-connections", stats.totalSessions)
        document.add("pid", identity.pid)
        document.addQuoted("version", configuration.protocolVersion)
        document.add("rusage-utime", cpu.user)
        document.add("rusage-stime", cpu.system)
        document.add("uptime", uptime)
        document.add("binlog-oldest-index", 0)
        document.add("binlog-current-index", 0)
        document.add("binlog-records-migrated", 0)
        document.add("binlog-records-written", 0)
        document.add("binlog-max-size", 0)
        document.add("draining", stats.isDraining)
        document.add("id", identity.instanceID)
        document.add("hostname", identity.hostname)
        document.add("os", identity.os)
        document.add("platform", identity.platform)
        document.add(CommandCounters.Kind.reserveJob.key, counters[.reserveJob])
        document.add(CommandCounters.Kind.kickJob.key, counters[.kickJob])
        document.add("durability", configuration.durability)
        document.addQuoted("spool-version", configuration.version)
        return document
    }

    /// The `stats-tube` document of a tube.
    public static func document(_ stats: TubeStats) -> YAMLDocument {
        var document = YAMLDocument()
        document.add("name", stats.name)
        document.add("current-jobs-urgent", stats.urgent)
        document.add("current-jobs-ready", stats.ready)
        document.add("current-jobs-reserved", stats.reserved)
        document.add("current-jobs-delayed", stats.delayed)
        document.add("current-jobs-buried", stats.buried)
        document.add("total-jobs", stats.totalJobs)
        document.add("current-using", stats.using)
        document.add("current-watching", stats.watching)
        document.add("current-waiting", stats.waiting)
        document.add("cmd-delete", stats.deletes)
        document.add("cmd-pause-tube", stats.pauses)
        document.add("pause", stats.pauseSeconds)
        document.add("pause-time-left", stats.pauseTimeLeft)
        // Spool's own keys, only for a tube with limits: others read as beanstalkd's.
        if stats.limits.isLimited {
            document.add("max-jobs", stats.limits.maxJobs.map(String.init) ?? "none")
            document.add("max-bytes", stats.limits.maxBytes.map(String.init) ?? "none")
            document.add("when-full", stats.limits.whenFull.rawValue)
            document.add("current-bytes", stats.bytes)
            document.add("current-puts-waiting", stats.waitingPuts)
        }
        return document
    }

    /// The `stats-job` document of a job.
    public static func document(_ stats: JobStats) -> YAMLDocument {
        var document = YAMLDocument()
        document.add("id", stats.id)
        document.add("tube", stats.tube)
        document.add("state", stats.state.rawValue)
        document.add("pri", stats.priority)
        document.add("age", stats.age)
        document.add("delay", stats.delay)
        document.add("ttr", stats.ttr)
        document.add("time-left", stats.timeLeft)
        document.add("file", 0)
        document.add("reserves", stats.counters.reserves)
        document.add("timeouts", stats.counters.timeouts)
        document.add("releases", stats.counters.releases)
        document.add("buries", stats.counters.buries)
        document.add("kicks", stats.counters.kicks)
        // Spool's own keys, only for jobs a worker pool has failed on, so
        // that everything else stays byte-identical to beanstalkd.
        if stats.attempts > 0 || stats.lastFailure != nil {
            document.add("attempts", stats.attempts)
            document.addEscaped("reason", stats.lastFailure ?? "")
        }
        return document
    }
}
