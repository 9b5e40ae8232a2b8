import SpoolEngineHost
import SpoolProtocol

/// The YAML documents of `stats`, `stats-tube` and `stats-job` on a cluster
/// node, with beanstalkd's keys: job counts are the cluster's (from the
/// database), connection and command counts the node's own.
enum ClusterDocuments {
    /// What a node knows of a tube from its own connections.
    struct LocalTube {
        var known: Bool
        var using = 0
        var watching = 0
        var waiting = 0
    }

    /// The node's own figures for `stats`.
    struct Server: Sendable {
        var counters: CommandCounters
        var configuration: HostConfiguration
        var identity: ProcessIdentity
        var connections: Int
        var producers: Int
        var workers: Int
        var waiting: Int
        var totalConnections: Int
        var jobTimeouts: Int
        var uptime: Int64
        var tubes: Int
        var draining: Bool
        var node: Int32
    }

    static func job(id: UInt64, _ rows: PostgresRows) -> YAMLDocument {
        var document = YAMLDocument()
        document.add("id", id)
        document.add("tube", rows.text(0, 0))
        document.add("state", rows.text(0, 1))
        document.add("pri", rows.int64(0, 2))
        document.add("age", rows.int64(0, 3))
        document.add("delay", rows.int64(0, 4))
        document.add("ttr", rows.int64(0, 5))
        document.add("time-left", rows.int64(0, 6))
        document.add("file", 0)
        document.add("reserves", rows.int64(0, 7))
        document.add("timeouts", rows.int64(0, 8))
        document.add("releases", rows.int64(0, 9))
        document.add("buries", rows.int64(0, 10))
        document.add("kicks", rows.int64(0, 11))
        // A pool worker's failed attempts, as the local engine shows them.
        if rows.int64(0, 12) > 0 || !rows.isNull(0, 13) {
            document.add("attempts", rows.int64(0, 12))
            document.addEscaped("reason", rows.isNull(0, 13) ? "" : rows.text(0, 13))
        }
        return document
    }

    static func tube(_ name: String, counts: PostgresRows, row: PostgresRows, local: LocalTube) -> YAMLDocument {
        let exists = row.count == 1
        var document = YAMLDocument()
        document.add("name", name)
        addCounts(counts, to: &document)
        document.add("total-jobs", exists ? row.int64(0, 0) : 0)
        document.add("current-using", local.using)
        document.add("current-watching", local.watching)
        document.add("current-waiting", local.waiting)
        document.add("cmd-delete", exists ? row.int64(0, 1) : 0)
        document.add("cmd-pause-tube", exists ? row.int64(0, 2) : 0)
        document.add("pause", exists ? row.int64(0, 3) : 0)
        document.add("pause-time-left", exists ? row.int64(0, 4) : 0)
        return document
    }

    static func server(_ server: Server, counts: PostgresRows, totals: PostgresRows) -> YAMLDocument {
        let cpu = ProcessIdentity.cpuTimes()
        var document = YAMLDocument()
        addCounts(counts, to: &document)
        for kind in CommandCounters.Kind.allCases where kind != .reserveJob && kind != .kickJob {
            document.add(kind.key, server.counters[kind])
        }
        document.add("job-timeouts", server.jobTimeouts)
        document.add("total-jobs", totals.int64(0, 0))
        document.add("max-job-size", server.configuration.maxJobSize)
        document.add("current-tubes", max(Int64(server.tubes), totals.int64(0, 1)))
        document.add("current-connections", server.connections)
        document.add("current-producers", server.producers)
        document.add("current-workers", server.workers)
        document.add("current-waiting", server.waiting)
        document.add("total-connections", server.totalConnections)
        document.add("pid", server.identity.pid)
        document.addQuoted("version", server.configuration.protocolVersion)
        document.add("rusage-utime", cpu.user)
        document.add("rusage-stime", cpu.system)
        document.add("uptime", server.uptime)
        for key in ["binlog-oldest-index", "binlog-current-index", "binlog-records-migrated", "binlog-records-written", "binlog-max-size"] {
            document.add(key, 0)
        }
        document.add("draining", server.draining)
        document.add("id", server.identity.instanceID)
        document.add("hostname", server.identity.hostname)
        document.add("os", server.identity.os)
        document.add("platform", server.identity.platform)
        document.add(CommandCounters.Kind.reserveJob.key, server.counters[.reserveJob])
        document.add(CommandCounters.Kind.kickJob.key, server.counters[.kickJob])
        document.add("durability", server.configuration.durability)
        document.addQuoted("spool-version", server.configuration.version)
        document.add("cluster-node", server.node)
        return document
    }

    private static func addCounts(_ counts: PostgresRows, to document: inout YAMLDocument) {
        document.add("current-jobs-urgent", counts.int64(0, 0))
        document.add("current-jobs-ready", counts.int64(0, 1))
        document.add("current-jobs-reserved", counts.int64(0, 2))
        document.add("current-jobs-delayed", counts.int64(0, 3))
        document.add("current-jobs-buried", counts.int64(0, 4))
    }
}
