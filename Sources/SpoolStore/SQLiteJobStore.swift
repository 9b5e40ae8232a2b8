import Logging
import NIOCore
import NIOPosix
import SpoolCore

/// The durable ``JobStore``: records staged by the engine are committed to a
/// ``JobDatabase`` on a writer thread of their own, with group commit.
///
/// The engine's loop never waits for the disk. Records staged while a commit
/// is in flight form the next batch, so one fsync serves every client waiting
/// at that moment; records staged in one pass of the loop share a commit too.
/// When a commit is done, the loop advances ``durableSequence`` and runs the
/// callbacks that hold replies.
///
/// After every commit the writer measures the space left. Below
/// ``reservedBytes`` the store turns ``StoreCondition/full`` (new jobs are
/// refused, deletes still free space); a failed commit turns it
/// ``StoreCondition/failing`` and is retried every second, with everything it
/// held, until it succeeds. Nothing acknowledged is lost or rewritten.
///
/// A record that SQLite refuses on its own (a body over its limit, a
/// constraint) is dropped from its batch, logged, and reported to
/// ``rejectionHandler`` and to the waiting replies; the rest commit.
public final class SQLiteJobStore: JobStore {
    /// Most records in one commit, so that a burst does not make one huge transaction.
    static let maximumBatchCount = 4096
    /// Most body bytes in one commit.
    static let maximumBatchBytes = 8 << 20
    /// Free space is measured again after this many bytes were committed,
    static let bytesBetweenMeasurements = 1 << 20
    /// or this long after the last measurement, whichever comes first.
    static let timeBetweenMeasurements: Duration = .seconds(1)

    /// The database file.
    public var path: String { database.path }
    /// Space that must stay free for new jobs to be taken.
    public let reservedBytes: Int64
    /// The highest sequence number committed.
    public private(set) var durableSequence: CommitSequence = 0
    /// Whether the store takes more changes now.
    public private(set) var condition = StoreCondition.healthy
    /// Records committed since start.
    public private(set) var recordsWritten: UInt64 = 0
    /// Commits (fsyncs in mode `always`) since start.
    public private(set) var commits: UInt64 = 0

    private let database: JobDatabase
    private let eventLoop: EventLoop
    private let writer: NIOThreadPool
    private let logger: Logger
    private var stagedSequence: CommitSequence = 0
    private var pending: [StoreRecord] = []
    private var waiters: [(sequence: CommitSequence, action: (RejectedSequences) -> Void)] = []
    private var commitInFlight = false
    private var flushScheduled = false
    private var retryScheduled = false
    private var spaceCheckScheduled = false
    private var bytesSinceMeasurement = 0
    private var lastMeasurement = ContinuousClock.now
    private var dirtySinceCheckpoint = false
    private var checkpointTask: RepeatedTask?

    /// Creates the store on `eventLoop`, the engine's loop, which must be the current one.
    /// - Parameters:
    ///   - reservedBytes: space that must stay free for puts to be accepted.
    public init(database: StoreDatabase, reservedBytes: Int64, eventLoop: EventLoop, logger: Logger) {
        eventLoop.preconditionInEventLoop()
        self.database = database.database
        self.writer = database.writer
        self.reservedBytes = reservedBytes
        self.eventLoop = eventLoop
        self.logger = logger
        if case .interval(let milliseconds) = database.mode {
            let bound = NIOLoopBound(self, eventLoop: eventLoop)
            checkpointTask = eventLoop.scheduleRepeatedTask(
                initialDelay: .milliseconds(Int64(milliseconds)), delay: .milliseconds(Int64(milliseconds))
            ) { _ in bound.value.checkpointIfDirty() }
        }
        measureSpace()
    }

    /// Stages `record` for the next commit.
    public func stage(_ record: StoreRecord) -> CommitSequence {
        stagedSequence += 1
        pending.append(record)
        scheduleFlush()
        return stagedSequence
    }

    /// Told of each record a commit rejected.
    public var rejectionHandler: ((StoreRecord) -> Void)?

    /// Runs `action` on the loop once `sequence` is committed.
    public func whenDurable(_ sequence: CommitSequence, _ action: @escaping (_ rejected: RejectedSequences) -> Void) {
        if sequence <= durableSequence { return action([]) }
        waiters.append((sequence, action))
    }

    /// Starts a commit at the end of this pass of the loop, so that every
    /// record staged in the pass joins it.
    private func scheduleFlush() {
        guard !flushScheduled, !commitInFlight, !retryScheduled else { return }
        flushScheduled = true
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.execute { bound.value.startCommit() }
    }

    private func startCommit() {
        flushScheduled = false
        guard !commitInFlight, !pending.isEmpty else { return }
        var count = 0
        var bytes = 0
        while count < pending.count, count < Self.maximumBatchCount, bytes < Self.maximumBatchBytes {
            if case .insert(let job) = pending[count] { bytes += job.body?.readableBytes ?? 0 }
            count += 1
        }
        let batch = Array(pending.prefix(count))
        let batchCount = count
        let sequence = stagedSequence - CommitSequence(pending.count - count)
        // statvfs and SQLite's page counts cost as much as a small commit:
        // measure once a megabyte or once a second, well inside the reserve.
        bytesSinceMeasurement += bytes
        let measure = condition != .healthy || bytesSinceMeasurement >= Self.bytesBetweenMeasurements
            || ContinuousClock.now - lastMeasurement >= Self.timeBetweenMeasurements
        if measure {
            bytesSinceMeasurement = 0
            lastMeasurement = .now
        }
        commitInFlight = true
        let database = self.database
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        writer.runIfActive(eventLoop: eventLoop) { () -> CommitResult in
            let rejected = try database.commit(batch)
            return CommitResult(available: measure ? database.availableBytes() : nil, rejected: rejected)
        }.whenComplete { result in
            bound.value.finishCommit(result, count: batchCount, sequence: sequence)
        }
    }

    /// What the writer thread reports of a commit that succeeded.
    private struct CommitResult: Sendable {
        /// The space measured after the commit, when it was measured.
        var available: Int64?
        /// The records left out, by index in the batch.
        var rejected: [(index: Int, error: SQLiteError)]
    }

    private func finishCommit(_ result: Result<CommitResult, any Error>, count: Int, sequence: CommitSequence) {
        commitInFlight = false
        switch result {
        case .success(let commit):
            // The refused records, read before they leave `pending` (rare: no copy otherwise).
            let refused = commit.rejected.map { (index: $0.index, record: pending[$0.index], error: $0.error) }
            pending.removeFirst(count)
            recordsWritten += UInt64(count - commit.rejected.count)
            commits += 1
            dirtySinceCheckpoint = true
            durableSequence = sequence
            // Not healthy means measured: a failing store always becomes healthy or full here.
            if let available = commit.available {
                update(available >= reservedBytes ? .healthy : .full, available: available, error: nil)
            }
            watchSpaceWhileFull()
            let first = sequence - CommitSequence(count) + 1
            var rejected = RejectedSequences()
            for refusal in refused {
                logger.error("a change cannot be stored and is refused; the others are kept", metadata: [
                    "path": "\(database.path)", "record": "\(refusal.record.summary)", "error": "\(refusal.error)",
                ])
                rejected.insert(first + CommitSequence(refusal.index))
                rejectionHandler?(refusal.record)
            }
            runDueWaiters(rejected: rejected)
            if !pending.isEmpty { scheduleFlush() }
        case .failure(let error):
            update(.failing, available: nil, error: error)
            retryScheduled = true
            let bound = NIOLoopBound(self, eventLoop: eventLoop)
            eventLoop.scheduleTask(in: .seconds(1)) {
                bound.value.retryScheduled = false
                bound.value.startCommit()
            }
        }
    }

    private func runDueWaiters(rejected: RejectedSequences) {
        guard waiters.contains(where: { $0.sequence <= durableSequence }) else { return }
        let due = waiters.filter { $0.sequence <= durableSequence }
        waiters.removeAll { $0.sequence <= durableSequence }
        due.forEach { $0.action(rejected) }
    }

    /// Measures the space left and updates ``condition``.
    private func measureSpace() {
        let database = self.database
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        writer.runIfActive(eventLoop: eventLoop) { database.availableBytes() }.whenSuccess { available in
            let store = bound.value
            guard store.condition != .failing else { return }
            store.update(available >= store.reservedBytes ? .healthy : .full, available: available, error: nil)
            store.watchSpaceWhileFull()
        }
    }

    /// While the store is full, measures again every second, so that space an
    /// admin frees is noticed even when nothing commits.
    private func watchSpaceWhileFull() {
        guard condition == .full, !spaceCheckScheduled else { return }
        spaceCheckScheduled = true
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.scheduleTask(in: .seconds(1)) {
            bound.value.spaceCheckScheduled = false
            bound.value.measureSpace()
        }
    }

    /// Changes ``condition``, telling the journal about every change.
    private func update(_ new: StoreCondition, available: Int64?, error: (any Error)?) {
        let old = condition
        condition = new
        guard old != new else { return }
        var metadata: Logger.Metadata = ["path": "\(database.path)"]
        if let available { metadata["available_bytes"] = "\(available)" }
        if let error { metadata["error"] = "\(error)" }
        switch new {
        case .healthy:
            logger.notice("the store takes changes again", metadata: metadata)
        case .full:
            metadata["reserved_bytes"] = "\(reservedBytes)"
            logger.warning("little space left for the store: new jobs are refused (OUT_OF_MEMORY) until space is freed", metadata: metadata)
        case .failing:
            logger.error("cannot commit to the store: changes are refused until a commit succeeds; retrying every second", metadata: metadata)
        }
    }

    /// In mode `interval:MS`: fsyncs what was committed since the last time.
    private func checkpointIfDirty() {
        guard dirtySinceCheckpoint else { return }
        dirtySinceCheckpoint = false
        let database = self.database
        let logger = self.logger
        writer.runIfActive(eventLoop: eventLoop) { try database.checkpoint() }.whenFailure { error in
            logger.error("cannot fsync the store", metadata: ["path": "\(database.path)", "error": "\(error)"])
        }
    }
}

extension StoreRecord {
    /// What the record changes, without its body, for the journal.
    fileprivate var summary: String {
        switch self {
        case .insert(let job): "put of job \(job.id) in tube \(job.tube), \(job.body?.readableBytes ?? 0) bytes"
        case .update(let job): "change of job \(job.id) in tube \(job.tube)"
        case .delete(let id): "delete of job \(id)"
        case .pause(let tube, _, _): "pause of tube \(tube)"
        }
    }
}
