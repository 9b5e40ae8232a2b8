import Foundation

/// What a spoold acknowledged while it was being killed and restarted, and
/// the rules the jobs left at the end must obey. Shared by the producer and
/// consumer threads of a ``CrashLoad``.
///
/// Every put carries a body no other put has, so that a job found at the end
/// tells which put made it.
final class CrashLedger: @unchecked Sendable {
    /// Counts for the test log.
    struct Summary: CustomStringConvertible {
        let inserted: Int
        let unanswered: Int
        let deleted: Int
        let unansweredDeletes: Int
        /// Acknowledged jobs reserved and never deleted: each had to come back.
        let reservedNotDeleted: Int

        var description: String {
            "\(inserted) puts acknowledged and \(unanswered) unanswered when spoold died; "
                + "\(deleted) deletes acknowledged and \(unansweredDeletes) unanswered; "
                + "\(reservedNotDeleted) acknowledged jobs reserved and never deleted"
        }
    }

    private let lock = NSLock()
    /// The body of every put answered `INSERTED`, by the id it was given.
    private var inserted: [UInt64: String] = [:]
    /// Bodies of puts that got no answer before spoold died: each may or may not have been committed.
    private var unanswered: Set<String> = []
    /// Jobs whose delete was answered `DELETED`, with the generation of the spoold that answered.
    private var deleted: [UInt64: Int] = [:]
    /// Jobs whose delete got no answer before spoold died (they may or may not
    /// be gone), with the generation of the spoold that died.
    private var unansweredDeletes: [UInt64: Int] = [:]
    /// Jobs that were reserved and never deleted (yet).
    private var reservedNotDeleted: Set<UInt64> = []
    /// Broken rules seen during the load.
    private var violations: [String] = []
    /// The body of every put to the worker pool's tube answered `INSERTED`, by id.
    private var poolInserted: [UInt64: String] = [:]

    /// A put was answered `INSERTED id`: no other put may ever have been given that id.
    func recordInserted(id: UInt64, body: String) {
        locked {
            if let earlier = inserted[id] {
                violations.append("id \(id) was handed out twice by INSERTED: for \(earlier) and for \(body)")
            }
            inserted[id] = body
        }
    }

    /// A put to the worker pool's tube was answered `INSERTED id`.
    func recordPoolInserted(id: UInt64, body: String) {
        locked {
            if inserted[id] != nil || poolInserted[id] != nil {
                violations.append("id \(id) was handed out twice by INSERTED, the second time for \(body)")
            }
            poolInserted[id] = body
        }
    }

    /// How many puts to the worker pool's tube were acknowledged.
    var poolInsertedCount: Int { locked { poolInserted.count } }

    /// Every broken rule of the worker pool's jobs, given the runs its
    /// handlers recorded (`id body parent-pid` per finished run) once the
    /// pool's tube is empty, and the pids of the spoolds that ran: each
    /// acknowledged job ran to the end at least once and with its body; none
    /// ran twice under one spoold (only a kill between a run's start and its
    /// delete's commit may run it again, under the next one); and no run was
    /// of a job no put made. A handler whose spoold died before its shell
    /// started has another parent; its run counts, but under no spoold.
    func poolProblems(runs: [String], spoolds: Set<String>) -> (problems: [String], repeated: Int) {
        locked {
            var problems: [String] = []
            var runsByJob: [UInt64: [String]] = [:]
            for run in runs {
                let fields = run.split(separator: " ").map(String.init)
                guard fields.count == 3, let id = UInt64(fields[0]) else {
                    problems.append("a handler recorded \(run)")
                    continue
                }
                if let body = poolInserted[id], body != fields[1] {
                    problems.append("job \(id) ran with \(fields[1]), but was put as \(body)")
                } else if poolInserted[id] == nil && !unanswered.contains(fields[1]) {
                    problems.append("job \(id) (\(fields[1])) ran, but was never put")
                }
                if spoolds.contains(fields[2]), runsByJob[id, default: []].contains(fields[2]) {
                    problems.append("job \(id) ran twice under spoold \(fields[2])")
                }
                runsByJob[id, default: []].append(fields[2])
            }
            for (id, body) in poolInserted.sorted(by: { $0.key < $1.key }) where runsByJob[id] == nil {
                problems.append("job \(id) (\(body)) was acknowledged but never ran to the end")
            }
            return (problems, runsByJob.values.filter { $0.count > 1 }.count)
        }
    }

    /// A put got no answer because the connection ended.
    func recordUnanswered(body: String) {
        locked { _ = unanswered.insert(body) }
    }

    /// Generation `generation` of spoold (counting restarts) reserved a job:
    /// no generation up to it may have acknowledged its delete. (A later one
    /// may have: this thread can be slower to record than others are to
    /// restart spoold and delete the job.)
    func recordReserved(id: UInt64, generation: Int) {
        locked {
            if let deletedBy = deleted[id] {
                if deletedBy <= generation {
                    violations.append("job \(id) was reserved by spoold #\(generation) after #\(deletedBy) acknowledged its delete")
                }
                return
            }
            reservedNotDeleted.insert(id)
            if let doubtedBy = unansweredDeletes[id], doubtedBy < generation {
                unansweredDeletes[id] = nil
            }
        }
    }

    /// Generation `generation` of spoold died before answering a delete: the
    /// job may or may not come back.
    func recordUnansweredDelete(id: UInt64, generation: Int) {
        locked { unansweredDeletes[id] = generation }
    }

    /// Generation `generation` of spoold answered a delete with `DELETED`.
    func recordDeleted(id: UInt64, generation: Int) {
        locked {
            deleted[id] = generation
            reservedNotDeleted.remove(id)
        }
    }

    /// Something the server should never answer.
    func recordViolation(_ message: String) {
        locked { violations.append(message) }
    }

    /// What was recorded so far.
    var summary: Summary {
        locked {
            Summary(inserted: inserted.count, unanswered: unanswered.count, deleted: deleted.count,
                    unansweredDeletes: unansweredDeletes.count, reservedNotDeleted: reservedNotDeleted.intersection(inserted.keys).count)
        }
    }

    /// Every broken rule, given every job a drain found after the last restart:
    /// each acknowledged and undeleted job (reserved ones included) exactly
    /// once and with its body, unless its delete went unanswered; no job whose
    /// delete was acknowledged; and no job that no put made.
    func problems(afterDraining drained: [JobClient.Job]) -> [String] {
        locked {
            var problems = violations
            var seen: Set<UInt64> = []
            var seenBodies: Set<String> = []
            for job in drained {
                if !seen.insert(job.id).inserted { problems.append("job \(job.id) was found twice") }
                if !seenBodies.insert(job.body).inserted { problems.append("the job put as \(job.body) was found twice") }
                if deleted[job.id] != nil { problems.append("job \(job.id) came back after its delete was acknowledged") }
                if let body = inserted[job.id] {
                    if body != job.body { problems.append("job \(job.id) holds \(job.body), but was put as \(body)") }
                } else if !unanswered.contains(job.body) {
                    problems.append("job \(job.id) (\(job.body)) was never put, or its put was answered with another id")
                }
            }
            let mustRemain = inserted.filter { deleted[$0.key] == nil && unansweredDeletes[$0.key] == nil }
            for (id, body) in mustRemain.sorted(by: { $0.key < $1.key }) where !seen.contains(id) {
                let reserved = reservedNotDeleted.contains(id) ? ", reserved and not deleted," : ""
                problems.append("job \(id) (\(body))\(reserved) was acknowledged but is lost")
            }
            return problems
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
