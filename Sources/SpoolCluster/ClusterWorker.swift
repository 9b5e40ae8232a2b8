import DurationConversions
import NIOCore
import SpoolCore
import SpoolEngineHost
import SpoolProtocol

/// A pool worker of a cluster node: a connection of the node's own that
/// watches one tube and takes the cluster's jobs as a client would, so that
/// workers on every node and external consumers share the tube. Its job is
/// a lease like a client's: held for as long as the handler may run, and
/// released by the other nodes if this one dies.
final class ClusterWorker: EngineWorker, EngineConnectionDelegate {
    /// How long a worker waits before asking again when the node cannot
    /// reserve (it lost the database).
    static let retryDelay = TimeAmount.seconds(1)

    private unowned let engine: ClusterEngine
    private var connection: ClusterConnection!
    private weak var delegate: EngineWorkerDelegate?
    /// What the reply of the command in flight completes.
    private var pending: ((Reply) -> Void)?
    private var retry: Scheduled<Void>?
    private var isClosed = false

    init(engine: ClusterEngine, tube: String, delegate: EngineWorkerDelegate) {
        self.engine = engine
        self.delegate = delegate
        connection = engine.open(self, isInternal: true)
        connection.used = tube
        connection.watched = [tube]
    }

    var isWaiting: Bool { connection.isWaitingInReserve || retry != nil }

    func takeNext() {
        guard !isClosed, !isWaiting, pending == nil else { return }
        pending = { [unowned self] reply in took(reply) }
        if case .reply(let reply) = engine.reserve(connection, timeout: nil) { complete(reply) }
    }

    func stopWaiting() {
        retry?.cancel()
        retry = nil
        if engine.cancelWait(connection) != nil { pending = nil }
    }

    private func took(_ reply: Reply) {
        guard !isClosed else { return }
        guard case .reserved(let id, let body) = reply, let taken = connection.taken, taken.id == Int64(id) else {
            // The node has lost the database: ask again later, not in a loop.
            retry = engine.eventLoop.assumeIsolated().scheduleTask(in: Self.retryDelay) { [weak self] in
                guard let self else { return }
                retry = nil
                takeNext()
            }
            return
        }
        delegate?.worker(self, didTake: WorkerJob(
            id: id, body: body, priority: taken.priority, ttr: taken.ttr, attempts: taken.attempts))
    }

    func hold(_ id: JobID, for duration: Duration, completion: @escaping (Bool) -> Void) {
        engine.hold(Int64(id), for: connection, milliseconds: duration.millisecondsRoundedUp, completion: completion)
    }

    func finish(_ id: JobID, _ disposition: WorkerDisposition, completion: @escaping (Bool) -> Void) {
        switch disposition {
        case .delete:
            ask(.delete(id: id)) { $0 == .word(.deleted) }
        case .release(let priority):
            ask(.release(id: id, priority: priority, delay: 0)) { $0 == .word(.released) }
        case .retry(let delay, let reason):
            engine.fail(Int64(id), for: connection, reason: reason, retryAfter: delay.millisecondsRoundedUp, completion: completion)
            return
        case .bury(let reason):
            engine.fail(Int64(id), for: connection, reason: reason, retryAfter: nil, completion: completion)
            return
        }

        func ask(_ command: Command, applied: @escaping (Reply) -> Bool) {
            pending = { completion(applied($0)) }
            if case .reply(let reply) = engine.perform(command, for: connection) { complete(reply) }
        }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        retry?.cancel()
        retry = nil
        pending = nil
        engine.close(connection)
    }

    func connectionDidFinishWaiting(with reply: Reply, durableAfter: CommitSequence) {
        complete(reply)
    }

    private func complete(_ reply: Reply) {
        let action = pending
        pending = nil
        action?(reply)
    }
}

extension ClusterEngine: WorkerEngine {
    public func openWorker(watching tube: String, delegate: EngineWorkerDelegate) -> EngineWorker {
        ClusterWorker(engine: self, tube: tube, delegate: delegate)
    }

    /// Aging and limits are the local engine's: a node does not apply them
    /// (README, Cluster) and says so once per queue configuration.
    public func applyTubeRules(_ tube: String, agingAfter: Int64?, maxJobs: Int?, maxBytes: Int?, waitWhenFull: Bool?) {
        guard agingAfter != nil || maxJobs != nil || maxBytes != nil || waitWhenFull != nil else { return }
        logger.warning(
            "AgeAfter=, MaxJobs=, MaxBytes= and WhenFull= are not applied on a cluster node", metadata: ["tube": "\(tube)"])
    }

    /// Every change of a node is committed before its completion runs.
    public func whenAllDurable(_ action: @escaping () -> Void) {
        action()
    }
}
