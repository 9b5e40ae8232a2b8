import SpoolCore
import SpoolEngineHost

/// The statistics of a cluster node, as every engine reports them
/// (``EngineStats``, ``TubeStats``, ``JobStats``; the documents are
/// ``StatsDocuments``'): job counts are the cluster's (read from the
/// database), connection and command counts the node's own.
enum ClusterStatistics {
    /// What a node knows of a tube from its own connections.
    struct LocalTube: Sendable {
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
        var draining: Bool
        var node: Int32
    }

    /// The server's statistics: `counts` as ``ClusterStatements/countsAll``
    /// reads them, `totalJobs` and `tubes` the cluster's.
    static func engine(_ server: Server, counts: PostgresRows, totalJobs: UInt64, tubes: Int) -> EngineStats {
        var stats = EngineStats.empty
        stats.urgent = Int(counts.int64(0, 0))
        stats.ready = Int(counts.int64(0, 1))
        stats.reserved = Int(counts.int64(0, 2))
        stats.delayed = Int(counts.int64(0, 3))
        stats.buried = Int(counts.int64(0, 4))
        stats.totalJobs = totalJobs
        stats.jobTimeouts = UInt64(server.jobTimeouts)
        stats.tubes = tubes
        stats.sessions = server.connections
        stats.producers = server.producers
        stats.workers = server.workers
        stats.waiting = server.waiting
        stats.totalSessions = UInt64(server.totalConnections)
        stats.isDraining = server.draining
        return stats
    }

    /// A tube's statistics from row `row` of ``ClusterStatements/tube`` or
    /// ``ClusterStatements/tubesStats``, with what the node knows of it;
    /// and whether the database has a row for it.
    static func tube(_ rows: PostgresRows, _ row: Int, local: LocalTube?) -> (stats: TubeStats, hasRow: Bool) {
        var stats = TubeStats(name: rows.text(row, 0))
        stats.urgent = Int(rows.int64(row, 1))
        stats.ready = Int(rows.int64(row, 2))
        stats.reserved = Int(rows.int64(row, 3))
        stats.delayed = Int(rows.int64(row, 4))
        stats.buried = Int(rows.int64(row, 5))
        stats.totalJobs = UInt64(rows.int64(row, 6))
        stats.deletes = UInt64(rows.int64(row, 7))
        stats.pauses = UInt64(rows.int64(row, 8))
        stats.pauseSeconds = rows.int64(row, 9)
        stats.pauseTimeLeft = rows.int64(row, 10)
        if let local {
            stats.using = local.using
            stats.watching = local.watching
            stats.waiting = local.waiting
        }
        return (stats, rows.bool(row, 11))
    }

    /// A job's statistics from ``ClusterStatements/jobStats``.
    static func job(id: JobID, _ rows: PostgresRows) -> JobStats {
        JobStats(
            id: id, tube: rows.text(0, 0), state: JobState(rawValue: rows.text(0, 1)) ?? .ready,
            priority: UInt32(truncatingIfNeeded: rows.int64(0, 2)), age: rows.int64(0, 3), delay: rows.int64(0, 4),
            ttr: rows.int64(0, 5), timeLeft: rows.int64(0, 6), reserves: counter(rows, 7), timeouts: counter(rows, 8),
            releases: counter(rows, 9), buries: counter(rows, 10), kicks: counter(rows, 11), attempts: counter(rows, 12),
            lastFailure: rows.isNull(0, 13) ? nil : rows.text(0, 13))
    }

    private static func counter(_ rows: PostgresRows, _ column: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: rows.int64(0, column))
    }
}
