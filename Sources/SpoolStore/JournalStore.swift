import Logging
import NIOCore
import NIOPosix
import SpoolCore

#if canImport(Glibc)
import Glibc
#endif

/// The durable ``JobStore``: an append-only journal of records, written and
/// fsynced with group commit. Bodies stay in the journal: memory holds only
/// where each one is.
///
/// The engine's loop lays each record out in the journal as it is staged
/// (so a body's place is known at once). At the end of the loop's pass the
/// commit takes everything staged by the time it runs, writes it into space
/// allocated beforehand and fsyncs once; the loop then advances
/// ``durableSequence`` and runs the callbacks that hold replies. While
/// clients keep arriving during commits, the store's writer thread commits
/// and the loop serves them meanwhile (records that arrive while the writer
/// wakes join its commit); while commits carry a record or two, the loop
/// commits itself and saves the two wake-ups (``CommitPlacement``), and a
/// commit of new jobs alone waits briefly for the consumers' next change to
/// share its fsync (``CommitPairing``).
///
/// Segments fill up to a fixed size; a segment whose jobs are all gone is
/// deleted (oldest first), and the few jobs left in an old segment that is
/// mostly garbage are moved (``relocationHandler``), so the journal's size
/// follows the queue's.
///
/// After commits the writer measures the space left. Below ``reservedBytes``
/// the store turns ``StoreCondition/full`` (new jobs are refused, deletes
/// still free space); a failed commit turns it ``StoreCondition/failing``
/// and is retried every second, with everything it held, until it succeeds.
/// Nothing acknowledged is lost or rewritten.
public final class JournalStore: JobStore {
    /// The space allocated for a segment.
    public static let defaultSegmentSize = 16 << 20
    /// Free space is measured again after this many bytes were committed,
    static let bytesBetweenMeasurements = 1 << 20
    /// or this long after the last measurement, whichever comes first.
    static let timeBetweenMeasurements: Duration = .seconds(1)

    /// The journal's directory.
    public var path: String { journal.directory }
    /// Space that must stay free for new jobs to be taken.
    public let reservedBytes: Int64
    /// The highest sequence number committed.
    public private(set) var durableSequence: CommitSequence = 0
    /// Whether the store takes more changes now.
    public private(set) var condition = StoreCondition.healthy
    /// Commits (fsyncs in mode `always`) since start.
    public var commits: UInt64 { activity.latency.count }
    /// How long commits took and how many records each carried.
    public var commitActivity: CommitActivity? { activity }
    /// Where the body of the latest insert staged lies.
    public private(set) var latestStoredBody: StoredBody?
    /// Never called: the journal takes every record.
    public var rejectionHandler: ((StoreRecord) -> Void)?
    /// Asked to move the jobs of a mostly empty old segment.
    public var relocationHandler: ((UInt32) -> Void)?
    /// Numbers of the segments kept, oldest first.
    public var segments: [UInt32] { usage.keys.sorted() }

    private let journal: Journal
    private let mode: DurabilityMode
    private let segmentSize: Int
    private let eventLoop: EventLoop
    private let writer: NIOThreadPool
    private let logger: Logger
    private var stagedSequence: CommitSequence = 0
    private var waiters: [(sequence: CommitSequence, action: (RejectedSequences) -> Void)] = []
    /// The waiters being run (``runDueWaiters()``), empty otherwise.
    private var waitersRunning: [(sequence: CommitSequence, action: (RejectedSequences) -> Void)] = []
    private var commitInFlight = false
    private var commitStartedAt = ContinuousClock.now
    private var activity = CommitActivity()
    private var placement: CommitPlacement
    /// Commits made on the loop rather than the writer thread since start (see ``CommitPlacement``).
    private(set) var commitsOnLoop: UInt64 = 0
    private var flushScheduled = false
    private var pairing: CommitPairing
    /// The scheduled commit of puts waiting for a consumer's change, and
    /// its number: a timer that runs after its wait ended (NIO may already
    /// hold a cancelled task in the batch it runs) finds another number.
    private var pairingWait: (task: Scheduled<Void>, number: UInt64)?
    private var pairingWaits: UInt64 = 0
    private var retryScheduled = false
    private var spaceCheckScheduled = false
    private var bytesSinceMeasurement = 0
    private var lastMeasurement = ContinuousClock.now
    private var dirtySinceSync = false
    private var syncTask: RepeatedTask?

    // The layout: the segment being filled and the next record's place in it.
    private var segment: UInt32
    private var position: UInt32 = 0
    private var capacity = 0
    private var previousEnd: UInt32
    /// The next record starts a new segment: its header comes first.
    private var startsSegment = true
    /// The sequence number of the current segment's header.
    private var headerSequence: CommitSequence = .max
    private var usage: [UInt32: JournalReplay.Usage]
    /// When each segment's last job left, as a sequence number.
    private var emptiedAt: [UInt32: CommitSequence] = [:]
    private var relocated: Set<UInt32> = []
    /// Empty segments are being deleted on the writer thread.
    private var removalInFlight = false
    private var nextJobID: JobID
    private var pauses: [String: (untilWall: Int64, duration: Int64)] = [:]

    /// Creates the store on `eventLoop`, the engine's loop, which must be the current one.
    /// - Parameters:
    ///   - reservedBytes: space that must stay free for puts to be accepted.
    ///   - segmentSize: the space allocated for each segment.
    public convenience init(
        directory: StateDirectory, reservedBytes: Int64, segmentSize: Int = JournalStore.defaultSegmentSize,
        eventLoop: EventLoop, logger: Logger
    ) {
        self.init(
            directory: directory, reservedBytes: reservedBytes, segmentSize: segmentSize, placement: CommitPlacement(),
            pairing: CommitPairing(), eventLoop: eventLoop, logger: logger)
    }

    /// Creates the store with `placement` deciding where commits run and
    /// `pairing` whether puts wait for a consumer's change.
    init(
        directory: StateDirectory, reservedBytes: Int64, segmentSize: Int, placement: CommitPlacement,
        pairing: CommitPairing, eventLoop: EventLoop, logger: Logger
    ) {
        eventLoop.preconditionInEventLoop()
        self.placement = placement
        self.pairing = pairing
        journal = directory.journal
        writer = directory.writer
        mode = directory.mode
        self.reservedBytes = reservedBytes
        self.segmentSize = segmentSize
        self.eventLoop = eventLoop
        self.logger = logger
        let replay = directory.replay
        usage = replay.usage
        segment = replay.lastSegment + 1
        previousEnd = replay.usage[replay.lastSegment]?.end ?? 0
        nextJobID = replay.queue.nextJobID
        for pause in replay.queue.pauses { pauses[pause.tube] = (pause.untilWall, pause.duration) }
        for (segment, usage) in usage where usage.liveJobs == 0 { emptiedAt[segment] = 0 }
        if case .interval(let milliseconds) = mode {
            let bound = NIOLoopBound(self, eventLoop: eventLoop)
            syncTask = eventLoop.scheduleRepeatedTask(
                initialDelay: .milliseconds(Int64(milliseconds)), delay: .milliseconds(Int64(milliseconds))
            ) { _ in bound.value.syncIfDirty() }
        }
        measureSpace()
    }

    // MARK: Staging

    /// Lays `record` out in the journal and stages it for the next commit.
    public func stage(_ record: StoreRecord) -> CommitSequence {
        stagedSequence += 1
        switch record {
        case .insert(let job): nextJobID = max(nextJobID, job.id &+ 1)
        // A pause that ends at 0 is the end of the tube's pause (its tube is gone).
        case .pause(let tube, let untilWall, let duration): pauses[tube] = untilWall > 0 ? (untilWall, duration) : nil
        case .update, .delete: break
        }
        let size = JournalRecord.size(of: record)
        if !startsSegment, Int(position) + size > capacity {
            previousEnd = position
            // A segment that no job was put in (only updates, deletes and
            // pauses) goes, as an emptied one does, once older ones are gone.
            if usage[segment]?.liveJobs == 0, emptiedAt[segment] == nil { emptiedAt[segment] = stagedSequence }
            segment += 1
            startsSegment = true
        }
        let header = startsSegment ? startSegment(room: size) : nil
        let (segment, position) = (self.segment, self.position)
        // One piece with the segment's header, if it starts one: a commit
        // that took the header alone would count this record, whose
        // sequence number the header's chunk carries, as written.
        let stored = journal.append(
            at: segment, offset: header == nil ? position : 0, capacity: header == nil ? nil : capacity,
            sequence: stagedSequence
        ) { buffer in
            header?(&buffer)
            return JournalRecord.append(record, to: &buffer, segment: segment, position: position)
        }
        self.position += UInt32(size)
        bytesSinceMeasurement += size
        var segmentUsage = usage[segment] ?? .init()
        segmentUsage.end = self.position
        if let stored {
            segmentUsage.liveJobs += 1
            segmentUsage.liveBytes += stored.liveBytes
        }
        usage[segment] = segmentUsage
        latestStoredBody = stored
        if case .insert = record {} else {
            pairing.stagedChange()
            endPairingWait()
        }
        scheduleFlush()
        return stagedSequence
    }

    /// Lays out the current segment's header and the pauses still running
    /// (so that no older segment is needed for them), and returns what
    /// writes them: the caller writes them with the segment's first record.
    private func startSegment(room: Int) -> (inout ByteBuffer) -> Void {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let wall = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        pauses = pauses.filter { $0.value.untilWall > wall }
        let header = JournalRecord.SegmentHeader(segment: segment, previousEnd: previousEnd, nextJobID: nextJobID)
        let running = pauses.sorted { $0.key < $1.key }.map { StoreRecord.pause(tube: $0.key, untilWall: $0.value.untilWall, duration: $0.value.duration) }
        let headerBytes = JournalRecord.segmentHeaderSize + running.reduce(0) { $0 + JournalRecord.size(of: $1) }
        // Room for a segment's worth of records beside the header, however
        // many pauses it carries.
        capacity = headerBytes + max(segmentSize, room)
        let segment = self.segment
        position = UInt32(headerBytes)
        usage[segment] = .init(end: position)
        headerSequence = stagedSequence
        startsSegment = false
        return { buffer in
            JournalRecord.append(header, to: &buffer)
            for pause in running { JournalRecord.append(pause, to: &buffer, segment: segment, position: 0) }
        }
    }

    /// Reads back a body: from the staged bytes, the page cache or the disk.
    public func body(_ stored: StoredBody) throws -> ByteBuffer {
        try journal.body(stored)
    }

    /// Counts a job out of its body's segment.
    public func release(_ stored: StoredBody) {
        guard var segmentUsage = usage[stored.segment] else { return }
        segmentUsage.liveJobs -= 1
        segmentUsage.liveBytes -= stored.liveBytes
        usage[stored.segment] = segmentUsage
        if segmentUsage.liveJobs == 0 { emptiedAt[stored.segment] = stagedSequence }
    }

    /// Runs `action` on the loop once `sequence` is committed.
    public func whenDurable(_ sequence: CommitSequence, _ action: @escaping (_ rejected: RejectedSequences) -> Void) {
        if sequence <= durableSequence { return action([]) }
        waiters.append((sequence, action))
    }

    /// A reply other than a put's waits for what is staged: it commits
    /// without waiting for a consumer's change (``CommitPairing``).
    public func expedite() {
        pairing.expedite()
        endPairingWait()
    }

    // MARK: Committing

    /// Commits at the end of this pass of the loop, so that every record
    /// staged in the pass joins the commit; puts alone wait a little longer
    /// for a consumer's change to join them (``CommitPairing``).
    private func scheduleFlush() {
        guard !flushScheduled, !commitInFlight, !retryScheduled else { return }
        flushScheduled = true
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        if mode == .always, condition == .healthy, pairing.waits(onLoop: placement.onLoop) {
            pairingWaits &+= 1
            let number = pairingWaits
            let task = eventLoop.scheduleTask(in: pairing.wait(afterCommitOf: placement.latestSeconds)) {
                guard bound.value.pairingWait?.number == number else { return }
                bound.value.startCommit()
            }
            pairingWait = (task, number)
            return
        }
        eventLoop.execute { bound.value.startCommit() }
    }

    /// Commits at the end of this pass rather than when the wait for a
    /// consumer's change runs out.
    private func endPairingWait() {
        guard let wait = pairingWait else { return }
        wait.task.cancel()
        pairingWait = nil
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.execute { bound.value.startCommit() }
    }

    private func startCommit() {
        flushScheduled = false
        pairingWait?.task.cancel()
        pairingWait = nil
        guard !commitInFlight, stagedSequence > durableSequence else { return }
        // statvfs costs as much as a small commit: measure once a megabyte
        // or once a second, well inside the reserve.
        let measure = condition != .healthy || bytesSinceMeasurement >= Self.bytesBetweenMeasurements
            || ContinuousClock.now - lastMeasurement >= Self.timeBetweenMeasurements
        if measure {
            bytesSinceMeasurement = 0
            lastMeasurement = .now
        }
        commitInFlight = true
        pairing.commitStarted()
        commitStartedAt = .now
        let journal = self.journal
        let sync = mode == .always
        if condition == .healthy, placement.onLoop {
            commitsOnLoop += 1
            finishCommit(Result { try Self.commit(journal, sync: sync, measure: measure) })
            return
        }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        writer.runIfActive(eventLoop: eventLoop) {
            try Self.commit(journal, sync: sync, measure: measure)
        }.whenComplete { result in
            bound.value.finishCommit(result)
        }
    }

    /// Writes what is staged and, with `sync`, fsyncs it; with `measure`,
    /// measures the space left after.
    private static func commit(_ journal: Journal, sync: Bool, measure: Bool) throws -> CommitResult {
        // Taken now, not when the loop asked: what was staged meanwhile joins.
        let chunks = journal.takeChunks()
        try journal.write(chunks, sync: sync)
        return CommitResult(
            chunks: chunks.count, lastSequence: chunks.last?.lastSequence ?? 0,
            available: measure ? journal.availableBytes() : nil)
    }

    /// What the writer thread reports of a commit that succeeded.
    private struct CommitResult: Sendable {
        /// Chunks written.
        var chunks: Int
        /// The last sequence number they held.
        var lastSequence: CommitSequence
        /// The space measured after the commit, when it was measured.
        var available: Int64?
    }

    private func finishCommit(_ result: Result<CommitResult, any Error>) {
        commitInFlight = false
        pairing.commitFinished()
        switch result {
        case .success(let commit):
            journal.dropChunks(commit.chunks)
            dirtySinceSync = true
            let elapsed = (ContinuousClock.now - commitStartedAt) / .seconds(1)
            let records = Int(commit.lastSequence &- min(durableSequence, commit.lastSequence))
            activity.record(records: records, seconds: elapsed)
            placement.record(records: records, seconds: elapsed)
            durableSequence = max(durableSequence, commit.lastSequence)
            // Not healthy means measured: a failing store always becomes healthy or full here.
            if let available = commit.available {
                update(available >= reservedBytes ? .healthy : .full, available: available, error: nil)
            }
            watchSpaceWhileFull()
            runDueWaiters()
            removeEmptySegments()
            relocateIfWorthwhile()
            if stagedSequence > durableSequence { scheduleFlush() }
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

    /// Runs the callbacks whose commits are durable, in the order they
    /// were asked for; the others wait on, in their order, before those
    /// the callbacks ask for. Two arrays take turns, so that a commit
    /// allocates nothing for its waiters.
    private func runDueWaiters() {
        guard waiters.contains(where: { $0.sequence <= durableSequence }) else { return }
        // A callback that asks for another adds it to `waiters`, empty now.
        swap(&waiters, &waitersRunning)
        var kept = 0
        for index in waitersRunning.indices {
            let waiter = waitersRunning[index]
            if waiter.sequence <= durableSequence {
                waiter.action([])
            } else {
                waitersRunning[kept] = waiter
                kept += 1
            }
        }
        waitersRunning.removeLast(waitersRunning.count - kept)
        waitersRunning.append(contentsOf: waiters)
        waiters.removeAll(keepingCapacity: true)
        swap(&waiters, &waitersRunning)
    }

    // MARK: Space

    /// Deletes the oldest segments while no job is left in them, once the
    /// deletes that emptied them and the current segment's header (which
    /// carries the next job id on) are durable.
    private func removeEmptySegments() {
        guard !removalInFlight, headerSequence <= durableSequence else { return }
        var empty: [UInt32] = []
        for number in usage.keys.sorted() where number != segment {
            guard usage[number]?.liveJobs == 0, let emptied = emptiedAt[number], emptied <= durableSequence else { break }
            empty.append(number)
        }
        guard !empty.isEmpty else { return }
        let kept = empty.map { (number: $0, usage: usage[$0]!, emptiedAt: emptiedAt[$0]) }
        for number in empty {
            usage[number] = nil
            emptiedAt[number] = nil
            relocated.remove(number)
        }
        let journal = self.journal
        let removed = empty
        // Outside mode `always` a commit is not yet on disk: what the removed
        // segments held (moved jobs, the header with the next id) must be
        // before the removal is.
        let syncFirst = mode != .always
        removalInFlight = true
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        writer.runIfActive(eventLoop: eventLoop) {
            if syncFirst { try journal.syncAll() }
            try journal.remove(removed)
        }.whenComplete { result in
            let store = bound.value
            store.removalInFlight = false
            guard case .failure(let error) = result else { return }
            store.logger.error("cannot delete an empty journal segment; trying again after the next commit", metadata: [
                "error": "\(error)",
            ])
            // Taken back, so that they go first next time: a newer segment
            // removed before an older one would leave a gap that the next
            // start refuses.
            for segment in kept {
                store.usage[segment.number] = segment.usage
                store.emptiedAt[segment.number] = segment.emptiedAt
            }
        }
    }

    /// Moves the jobs left in the oldest segment when it is mostly garbage
    /// and newer segments wait behind it, once per segment.
    private func relocateIfWorthwhile() {
        guard let handler = relocationHandler, usage.count >= 3, let oldest = usage.keys.min(), oldest != segment,
              !relocated.contains(oldest), let oldestUsage = usage[oldest], oldestUsage.liveJobs > 0,
              oldestUsage.liveBytes * 4 <= Int(oldestUsage.end)
        else { return }
        relocated.insert(oldest)
        logger.debug("moving the jobs left in an old journal segment", metadata: [
            "segment": "\(journal.path(of: oldest))", "jobs": "\(oldestUsage.liveJobs)",
        ])
        handler(oldest)
    }

    /// Measures the space left and updates ``condition``.
    private func measureSpace() {
        let journal = self.journal
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        writer.runIfActive(eventLoop: eventLoop) { journal.availableBytes() }.whenSuccess { available in
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
        var metadata: Logger.Metadata = ["path": "\(journal.directory)"]
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

    /// In mode `interval:MS`: fsyncs what was written since the last time.
    private func syncIfDirty() {
        guard dirtySinceSync else { return }
        dirtySinceSync = false
        let journal = self.journal
        let logger = self.logger
        writer.runIfActive(eventLoop: eventLoop) { try journal.syncAll() }.whenFailure { error in
            logger.error("cannot fsync the store", metadata: ["path": "\(journal.directory)", "error": "\(error)"])
        }
    }
}
