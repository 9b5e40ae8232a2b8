import NIOCore
import SpoolCore
import SpoolEngineHost
import SpoolProtocol

/// One client connection of a cluster node: its tubes and reservations are
/// the node's to keep (as a beanstalkd connection's), its jobs are in the
/// database. Every command that needs the database answers through the
/// delegate; the connection handler runs one command at a time meanwhile.
final class ClusterConnection: EngineConnection {
    /// The session's id within its node: with the node's id, the owner of its reservations.
    let sessionID: Int64
    unowned let engine: ClusterEngine
    weak var delegate: EngineConnectionDelegate?
    /// The tube `put` uses.
    var used = "default"
    /// The watched tubes, in the order they were watched.
    var watched = ["default"]
    /// The jobs this connection holds, with when their TTR runs out (this node's clock).
    var reserved: [Int64: NIODeadline] = [:]
    /// Set while a reserve waits: when it times out (nil: never).
    var reserveDeadline: NIODeadline?
    var isWaitingInReserve = false
    var waitTimer: Scheduled<Void>?
    var isClosed = false
    var isProducer = false
    var isWorker = false
    /// A pool worker's connection (spoold's own): not a client, so not
    /// counted as a connection nor keeping the node from being idle.
    let isInternal: Bool
    /// What the last reserve pass told of the job it reserved for this connection.
    var taken: (id: Int64, priority: UInt32, ttr: Int64, attempts: UInt32)?

    init(sessionID: Int64, engine: ClusterEngine, delegate: EngineConnectionDelegate, isInternal: Bool = false) {
        self.sessionID = sessionID
        self.engine = engine
        self.delegate = delegate
        self.isInternal = isInternal
    }

    func execute(_ command: Command) -> Execution {
        Execution(outcome: engine.execute(command, for: self), durableAfter: 0)
    }

    func startPut(bodyFits: Bool) { engine.countPut() }
    func abandonPut() {}
    func countMalformedPauseTube() { engine.countMalformedPauseTube() }
    func cancelWait() -> Reply? { engine.cancelWait(self) }
    func close() { engine.close(self) }
    /// Every reply a node sends is for a transaction PostgreSQL committed.
    func isDurable(_ point: CommitSequence) -> Bool { true }
    func whenDurable(_ point: CommitSequence, _ action: @escaping (RejectedSequences) -> Void) { action([]) }

    /// Sends the reply of the command that waited.
    func finish(_ reply: Reply) {
        guard !isClosed else { return }
        delegate?.connectionDidFinishWaiting(with: reply, durableAfter: 0)
    }

    /// The reservation whose TTR runs out first, if any.
    var earliestDeadline: NIODeadline? { reserved.values.min() }

    /// Forgets the reservations whose TTR ran out by `now` (the rescue of
    /// whichever node comes first returns them to ready in the database).
    /// - Returns: how many it forgot.
    func forgetExpiredReservations(now: NIODeadline = .now()) -> Int {
        let before = reserved.count
        reserved = reserved.filter { $0.value > now }
        return before - reserved.count
    }
}
