import SpoolCore
import SpoolEngineHost
import SpoolPool

/// One moment of the queue as the dashboard plots it, encoded as JSON:
/// the store, the server's counts, every tube (its counts, whether it is
/// paused, and the cumulative puts, deletes and wait times from which the
/// page computes rates) and every worker pool. No job body.
enum DashboardSample {
    /// The sample's JSON object.
    static func json(_ engine: EngineMetrics, pools: [PoolStatus], time: Double) -> String {
        let activity = Dictionary(engine.tubeActivity.compactMap { item in item.tube.map { ($0, item) } }, uniquingKeysWith: { first, _ in first })
        var json = JSONWriter()
        json.object { json in
            json.member("t", time)
            json.member("durability", engine.durability)
            json.member("store", "\(engine.storeCondition)")
            json.member("connections", engine.queue.stats.sessions)
            json.member("processing", engine.queue.isProcessing)
            json.member("draining", engine.queue.isDraining)
            json.key("tubes")
            json.array { json in
                for name in engine.queue.tubeNames.prefix(Engine.observedTubeLimit) {
                    guard let stats = engine.queue.tubes[name] else { continue }
                    tube(stats, activity[name], into: &json)
                }
            }
            json.key("pools")
            json.array { json in
                for pool in pools { self.pool(pool, into: &json) }
            }
        }
        return json.text
    }

    private static func tube(_ stats: TubeStats, _ activity: TubeActivity?, into json: inout JSONWriter) {
        json.object { json in
            json.member("name", stats.name)
            json.member("ready", stats.ready)
            json.member("reserved", stats.reserved)
            json.member("delayed", stats.delayed)
            json.member("buried", stats.buried)
            json.member("paused", stats.pauseTimeLeft > 0 || stats.pauseSeconds > 0)
            json.member("pauseLeft", Int(stats.pauseTimeLeft))
            json.member("waiting", stats.waiting)
            // An engine that observes no activity (a cluster node) has the tube's own counts.
            json.member("puts", activity?.puts ?? stats.totalJobs)
            json.member("deletes", activity?.deletes ?? stats.deletes)
            json.member("waitSum", activity?.waitTime.sum ?? 0)
            json.member("waitCount", activity?.waitTime.count ?? 0)
        }
    }

    private static func pool(_ pool: PoolStatus, into json: inout JSONWriter) {
        json.object { json in
            json.member("tube", pool.tube)
            json.member("running", pool.isRunning)
            json.member("workers", pool.workers)
            json.member("busy", pool.busy)
            json.member("idle", pool.idle)
            json.member("attempts", pool.attempts)
            json.member("failures", pool.failures)
            json.member("buried", pool.buried)
        }
    }
}
