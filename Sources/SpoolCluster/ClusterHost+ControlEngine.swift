import NIOCore
import SpoolCore
import SpoolEngineHost

/// The control plane on a cluster node: counts and tubes are the cluster's
/// (read from the database), connections and processing are the node's.
extension ClusterHost: ControlEngine {
    /// What the node itself knows, read on its loop.
    private struct Local: Sendable {
        var server: ClusterStatistics.Server
        var isProcessing: Bool
        var tubes: [String: ClusterStatistics.LocalTube]
    }

    private func local() async throws -> Local {
        let engine = self.engine
        return try await eventLoop.submit {
            let engine = engine.value
            let tubes = Dictionary(uniqueKeysWithValues: engine.knownTubes.map { ($0, engine.localTubeCounts($0)) })
            return Local(server: engine.serverSnapshot(), isProcessing: engine.isProcessing, tubes: tubes)
        }.get()
    }

    /// Runs `body` with a connection of the pool; a failure is the store's.
    private func database<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        do {
            return try await pool.run(on: eventLoop, body).get()
        } catch {
            throw StoreUnavailableError()
        }
    }

    public func snapshot() async throws -> QueueSnapshot {
        try await queueSnapshot(summary: false)
    }

    public func summary() async throws -> QueueSnapshot {
        try await queueSnapshot(summary: true)
    }

    public func tubeStats(_ name: String) async throws -> TubeStats? {
        try await queueSnapshot(summary: false, only: name).tubes[name]
    }

    /// The queue's state: every tube's statistics unless `summary`; only
    /// tube `only`'s when given.
    private func queueSnapshot(summary: Bool, only: String? = nil) async throws -> QueueSnapshot {
        let local = try await local()
        let known = only.map { local.tubes[$0] == nil ? [] : [$0] } ?? Array(local.tubes.keys)
        let (all, rows) = try await database { db in
            let all = try db.execute(ClusterStatements.countsAll)
            let rows = try db.execute(ClusterStatements.tubesStats, [.textArray(known)], prepared: false)
            return (all, rows)
        }
        var tubes: [String: TubeStats] = [:]
        for row in 0..<rows.count where only == nil || rows.text(row, 0) == only {
            let stats = ClusterStatistics.tube(rows, row, local: local.tubes[rows.text(row, 0)]).stats
            tubes[stats.name] = stats
        }
        for (name, counts) in local.tubes where tubes[name] == nil && (only == nil || name == only) {
            var stats = TubeStats(name: name)
            stats.using = counts.using
            stats.watching = counts.watching
            stats.waiting = counts.waiting
            tubes[name] = stats
        }
        let stats = ClusterStatistics.engine(
            local.server, counts: all, totalJobs: tubes.values.reduce(0) { $0 + $1.totalJobs }, tubes: tubes.count)
        return QueueSnapshot(
            isProcessing: local.isProcessing, isDraining: local.server.draining, stats: stats,
            tubes: summary ? [:] : tubes, tubeNames: tubes.keys.sorted())
    }

    public func observe(_ observer: @escaping @Sendable (EngineEvent) -> Void) async throws {
        let engine = self.engine
        try await eventLoop.submit { engine.value.observers.append(observer) }.get()
    }

    /// The cluster's counts change with every node's work, which this node
    /// learns from the database once a second: so, once a second.
    public func nextChange() async throws {
        try await Task.sleep(for: .seconds(1))
    }

    public func pauseTube(_ name: String, seconds: UInt32) async throws -> Bool {
        let known = try await local().tubes[name] != nil
        let paused = try await database { db in try ClusterOperations.pause(name, seconds: seconds, known: known, on: db) }
        if paused { await wakeReserves() }
        return paused
    }

    public func kick(tubeNamed name: String, bound: UInt32) async throws -> UInt32? {
        guard try await tubeStats(name) != nil else { return nil }
        let kicked = try await database { db in try ClusterOperations.kick(name, bound: bound, on: db) }
        await wakeReserves()
        return kicked
    }

    public func purge(tubeNamed name: String, states: Set<JobState>) async throws -> Int? {
        guard try await tubeStats(name) != nil else { return nil }
        let flags: [PostgresValue] = [JobState.ready, .delayed, .buried].map { .int32(states.contains($0) ? 1 : 0) }
        return try await database { db in
            try db.execute(ClusterStatements.purge, [.text(name)] + flags).affected
        }
    }

    public func startProcessing() async throws {
        let engine = self.engine
        try await eventLoop.submit {
            engine.value.isProcessing = true
            engine.value.scheduleReservePass()
        }.get()
    }

    public func stopProcessing() async throws {
        let engine = self.engine
        try await eventLoop.submit { engine.value.isProcessing = false }.get()
    }

    /// Lets waiting reserves look again after a change that may free jobs.
    private func wakeReserves() async {
        let engine = self.engine
        try? await eventLoop.submit { engine.value.scheduleReservePass() }.get()
    }
}
