import DequeModule
import NIOCore

/// The queue engine: every job, tube and reservation, and the state machine
/// that moves jobs between ready, delayed, reserved and buried.
///
/// The engine is owned by a single serial executor (the server's event loop)
/// and is not thread-safe. It does no I/O: time comes from an injected
/// ``EngineClock``, and every acknowledged mutation becomes a ``StoreRecord``
/// staged in the injected ``JobStore``. The caller reads ``stagedSequence``
/// after a command and holds the command's reply until the store reports that
/// sequence durable.
///
/// Timers (delays, TTRs, pauses, reserve timeouts) are not polled: the caller
/// asks for ``nextDeadline`` and calls ``processTimers()`` when it arrives.
public final class Engine {
    /// Jobs with a priority below this count as urgent.
    public static let urgentThreshold: UInt32 = 1024
    /// The last second of a reservation, during which a reserve answers `DEADLINE_SOON`.
    public static let safetyMargin: Int64 = nanosecondsPerSecond
    /// The most tube names whose ``TubeActivity`` is kept apart, which bounds
    /// the metrics' `tube` label; later names are counted together.
    public static let observedTubeLimit = 100

    /// The engine's clock.
    public let clock: EngineClock
    /// The engine's store.
    public let store: JobStore
    /// While draining, puts are refused (beanstalkd's SIGUSR1).
    public var isDraining = false
    /// Whether jobs are handed out. While processing is stopped, puts are
    /// still taken, but reserves wait (or time out) as if every tube were
    /// paused; `reserve-job`, which names its job, still works.
    public private(set) var isProcessing = true
    /// The sequence number of the latest record staged.
    public private(set) var stagedSequence: CommitSequence = 0
    /// What the reply to the commands run since the caller last set it to
    /// 0 must wait for: the records they staged, and the puts of jobs they
    /// handed out before those were durable. A job is never seen by a
    /// client before its put is durable, as in beanstalkd, where a put is
    /// written before anyone can reserve it.
    public var replyBarrier: CommitSequence = 0
    /// Told of what the engine does on its own, outside any command's reply.
    public var onEvent: ((EngineEvent) -> Void)?

    private var jobs = JobTable()
    /// The staged puts that the store has not made durable yet, with the
    /// sequence of each one's record, by id and in the order they were
    /// staged: until its put is durable, a job is handed out only by
    /// replies that wait for it.
    private var undurablePuts: [JobID: CommitSequence] = [:]
    private var undurablePutOrder = Deque<(id: JobID, sequence: CommitSequence)>()
    private var tubesByName: [String: Tube] = [:]
    /// Puts held for room, in all tubes.
    private var heldPuts = 0
    private var tubes: [Tube] = []
    private let defaultTube: Tube
    private var timers = IndexedHeap<TimerOrder>()
    private var wakeups = IndexedHeap<WakeOrder>()
    private var pauses = IndexedHeap<PauseOrder>()
    private var nextJobID: JobID = 1
    private var nextSessionID: UInt64 = 1
    private var burySequence: UInt64 = 0
    private var counts = Counts()
    /// Each observed tube name's activity; slot 0 counts the tubes past ``observedTubeLimit``.
    private var activities = [TubeActivity(tube: nil)]
    private var activitySlots: [String: Int] = [:]
    /// Why each job's latest attempt failed, for the few jobs that failed
    /// (kept beside the jobs, which stay small).
    private var failures: [JobID: String] = [:]
    /// Aging rules by tube name, kept while their tubes come and go.
    private var agingRules: [String: Int64] = [:]
    /// Limits by tube name (queue files), kept while their tubes come and go.
    private var limitRules: [String: TubeLimits] = [:]
    /// The limits of every tube that has none of its own.
    public var defaultLimits = TubeLimits() {
        didSet { for tube in tubes { tube.limits = limits(of: tube.name) } }
    }
    /// Memory that the engine may account to jobs before it refuses new
    /// ones (`OUT_OF_MEMORY`), so that the kernel never has to kill it.
    public var memoryLimit = Int.max
    /// The engine's estimate of the memory jobs take: each job's bookkeeping
    /// and the bodies held in memory, also those of puts held for room.
    public private(set) var accountedMemory = 0
    /// The sessions open, spoold's own (pool workers) left out: `current-connections`.
    public var openSessions: Int { counts.sessions }
    /// What one job's bookkeeping takes at most, without its body, for
    /// ``accountedMemory``: its object (112 bytes), its slots in the job
    /// table and a heap (up to 16 each) and, once reserved, its activity (48).
    public static let memoryPerJob = 192

    private struct Counts {
        var urgent = 0
        var ready = 0
        var reserved = 0
        var delayed = 0
        var buried = 0
        var totalJobs: UInt64 = 0
        var jobTimeouts: UInt64 = 0
        var sessions = 0
        var producers = 0
        var workers = 0
        var waiting = 0
        var totalSessions: UInt64 = 0
    }

    /// Creates an empty engine.
    public init(clock: EngineClock, store: JobStore) {
        self.clock = clock
        self.store = store
        defaultTube = Tube(name: "default")
        register(defaultTube)
        store.rejectionHandler = { [unowned self] record in self.forgetRejected(record) }
        store.relocationHandler = { [unowned self] segment in self.relocateBodies(in: segment) }
    }

    // MARK: Sessions

    /// Opens a session that uses and watches `default`.
    /// - Parameter isInternal: a session of spoold's own (a pool worker),
    ///   left out of the connection, worker and waiting counts of `stats`
    ///   (a tube's `current-watching` and `current-waiting` do count it).
    public func openSession(isInternal: Bool = false) -> Session {
        let session = Session(id: nextSessionID, defaultTube: defaultTube, isInternal: isInternal)
        nextSessionID += 1
        defaultTube.usingCount += 1
        defaultTube.watchingCount += 1
        if !isInternal {
            counts.sessions += 1
            counts.totalSessions += 1
        }
        return session
    }

    /// Closes a session: its waiting reserve is dropped and its reserved jobs
    /// go back to ready, as when a beanstalkd client disconnects.
    public func closeSession(_ session: Session) {
        guard !session.isClosed else { return }
        session.isClosed = true
        if session.isWaiting { stopWaiting(session) }
        _ = cancelHeldPut(session)
        while let job = session.reserved.first {
            leaveState(job)
            enqueue(job, delay: 0)
        }
        // In the order beanstalkd's ms_clear lets go of a connection's watch
        // list (it deletes the first item, moving the last into its place), so
        // that freed tubes leave `list-tubes` in beanstalkd's order.
        for tube in session.watched.prefix(1) + session.watched.dropFirst().reversed() {
            tube.watchingCount -= 1
            forgetIfUnreferenced(tube)
        }
        session.used.usingCount -= 1
        forgetIfUnreferenced(session.used)
        if !session.isInternal { counts.sessions -= 1 }
        if session.isProducer { counts.producers -= 1 }
        if session.isWorker { counts.workers -= 1 }
    }

    /// Marks the session as a producer (it issued a put).
    public func markProducer(_ session: Session) {
        guard !session.isProducer, !session.isInternal else { return }
        session.isProducer = true
        counts.producers += 1
    }

    private func markWorker(_ session: Session) {
        guard !session.isWorker, !session.isInternal else { return }
        session.isWorker = true
        counts.workers += 1
    }

    // MARK: Processing

    /// Stops handing out jobs (the control plane's Stop).
    public func stopProcessing() {
        isProcessing = false
    }

    /// Hands out jobs again, serving every waiting reserve that can be served.
    public func startProcessing() {
        guard !isProcessing else { return }
        isProcessing = true
        for tube in tubes { serveWaiters(tube) }
    }

    // MARK: Recovery

    /// Restores what a durable store held, before any session opens: ready and
    /// delayed jobs (with what is left of their delay) and buried jobs, with
    /// their priority, TTR, tube and counters; pauses that have not ended.
    /// Stages no records (everything restored is already durable) but the
    /// end of each running pause of a tube that no longer exists, which the
    /// store would otherwise carry on until it ends.
    public func restore(_ queue: RecoveredQueue) {
        let now = clock.now
        let wall = clock.wallNanoseconds
        jobs.reserveCapacity(jobs.count + queue.jobs.count)
        // The jobs of a few tubes come interleaved: the tubes met last are
        // compared by name before the table of names is hashed.
        var recentTubes: [Tube] = []
        for record in queue.jobs {
            let tube: Tube
            if let recent = recentTubes.first(where: { $0.name == record.tube }) {
                tube = recent
            } else {
                tube = findOrMakeTube(record.tube)
                if recentTubes.count == 8 { recentTubes.removeFirst() }
                recentTubes.append(tube)
            }
            let job = Job(
                id: record.id, tube: tube, priority: record.priority, delay: record.delay, ttr: record.ttr,
                body: record.storedBody.map(JobBody.stored) ?? .inMemory(record.body ?? ByteBuffer()),
                now: now - max(0, wall - record.createdWall))
            jobs.insert(job)
            account(job, sign: 1)
            tube.bodyBytes += job.body.length
            tube.jobCount += 1
            tube.totalJobs += 1
            counts.totalJobs += 1
            switch record.state {
            case .ready: enqueue(job, delay: 0, now: now)
            case .delayed: enqueue(job, delay: max(0, record.readyAtWall - wall), now: now)
            case .buried: bury(job)
            }
            job.counters = record.counters
            job.attempts = record.attempts
            if let failure = record.lastFailure { failures[job.id] = failure }
            nextJobID = max(nextJobID, job.id + 1)
        }
        nextJobID = max(nextJobID, queue.nextJobID)
        for pause in queue.pauses where pause.untilWall > wall {
            guard let tube = tubesByName[pause.tube] else {
                stage(.pause(tube: pause.tube, untilWall: 0, duration: 0))
                continue
            }
            if pauses.contains(tube) { pauses.remove(tube) }
            tube.pauseDuration = pause.duration
            tube.unpauseAt = now + (pause.untilWall - wall)
            pauses.insert(tube)
        }
    }

    // MARK: Producer commands

    /// The result of a put.
    public enum PutResult: Sendable, Equatable {
        /// The job was stored with this id.
        case inserted(JobID)
        /// The engine is draining and took no job.
        case draining
        /// The tube is full (or the engine at its memory limit) and took no job.
        case full
        /// The tube is full and the put waits for room (`WhenFull=wait`);
        /// the session's delegate is told when it is taken.
        case waiting
    }

    /// A put's command line arrived and its body follows: the session becomes
    /// a producer and the job's id is taken now, as beanstalkd takes it, so
    /// that ids (and so the order of jobs of equal priority) follow the order
    /// in which puts began, and a put that ends without a job still uses one.
    public func startPut(_ session: Session) {
        markProducer(session)
        session.startedPutID = nextJobID
        nextJobID += 1
    }

    /// The put begun by ``startPut(_:)`` ended without a job; its id stays used.
    public func abandonPut(_ session: Session) {
        session.startedPutID = nil
    }

    /// Puts a job into the session's used tube, with the id taken by
    /// ``startPut(_:)`` (or the next one when none was).
    public func put(_ session: Session, priority: UInt32, delay: UInt32, ttr: UInt32, body: ByteBuffer) -> PutResult {
        markProducer(session)
        let id = session.startedPutID ?? nextJobID
        session.startedPutID = nil
        nextJobID = max(nextJobID, id + 1)
        guard !isDraining else { return .draining }
        let tube = session.used
        let size = body.readableBytes
        guard accountedMemory + Self.memoryPerJob + size <= memoryLimit else { return .full }
        guard tube.hasRoom(for: size), tube.blockedPuts.isEmpty else {
            guard tube.limits.whenFull == .wait, tube.couldHold(size) else { return .full }
            tube.blockedPuts.append(BlockedPut(session: session, id: id, priority: priority, delay: delay, ttr: ttr, body: body))
            session.blockedIn = tube
            heldPuts += 1
            accountedMemory += size
            return .waiting
        }
        insert(id: id, into: tube, priority: priority, delay: delay, ttr: ttr, body: body)
        return .inserted(id)
    }

    /// Creates and queues a job, staging its insert.
    private func insert(id: JobID, into tube: Tube, priority: UInt32, delay: UInt32, ttr: UInt32, body: ByteBuffer) {
        let job = Job(
            id: id, tube: tube, priority: priority,
            delay: Int64(delay) * nanosecondsPerSecond,
            ttr: Int64(max(ttr, 1)) * nanosecondsPerSecond,
            body: .inMemory(body), now: clock.now)
        jobs.insert(job)
        tube.jobCount += 1
        tube.totalJobs += 1
        activities[tube.activitySlot].puts += 1
        tube.bodyBytes += body.readableBytes
        counts.totalJobs += 1
        // Staged before the job is ready, so that a session waiting for it
        // is handed a job whose put it can wait for.
        stage(.insert(insertRecord(of: job, body: body)))
        if stagedSequence > store.durableSequence {
            forgetDurablePuts()
            undurablePuts[job.id] = stagedSequence
            undurablePutOrder.append((job.id, stagedSequence))
        }
        if let stored = store.latestStoredBody { job.body = .stored(stored) }
        account(job, sign: 1)
        enqueue(job, delay: job.delay)
    }

    /// Why the job's latest attempt failed, if one did.
    private func lastFailure(of job: Job) -> String? {
        failures.isEmpty ? nil : failures[job.id]
    }

    /// Adds a job to (or takes it from) ``accountedMemory``.
    private func account(_ job: Job, sign: Int) {
        if case .inMemory(let body) = job.body { accountedMemory += sign * body.readableBytes }
        accountedMemory += sign * Self.memoryPerJob
    }

    /// Takes the held puts that fit now, in order (their bodies are in
    /// ``accountedMemory`` already: only a job's bookkeeping must fit).
    private func admitBlockedPuts(_ tube: Tube) {
        while let put = tube.blockedPuts.first, tube.hasRoom(for: put.body.readableBytes),
              accountedMemory + Self.memoryPerJob <= memoryLimit {
            tube.blockedPuts.removeFirst()
            forgetHeld(put)
            insert(id: put.id, into: tube, priority: put.priority, delay: put.delay, ttr: put.ttr, body: put.body)
            put.session.delegate?.session(put.session, didFinishPut: put.id, durableAfter: stagedSequence)
        }
    }

    /// Drops the session's held put, if it has one (its client closed or
    /// half-closed: the job is not put), and takes the held puts behind it
    /// that fit now. Returns whether there was one.
    public func cancelHeldPut(_ session: Session) -> Bool {
        guard let tube = session.blockedIn, let index = tube.blockedPuts.firstIndex(where: { $0.session === session }) else {
            return false
        }
        forgetHeld(tube.blockedPuts.remove(at: index))
        admitBlockedPuts(tube)
        return true
    }

    /// A held put leaves its tube's queue: taken, dropped or refused.
    private func forgetHeld(_ put: BlockedPut) {
        put.session.blockedIn = nil
        heldPuts -= 1
        accountedMemory -= put.body.readableBytes
    }

    /// Sets the limits of the tube named `name` (nil: the defaults), for as
    /// long as spoold runs: held puts that fit now are taken, in order;
    /// those the new limits no longer let wait (any, under
    /// `WhenFull=refuse`; one larger than `MaxBytes=`, which no room would
    /// ever take) are refused.
    public func setLimits(tubeNamed name: String, _ limits: TubeLimits?) {
        limitRules[name] = limits
        guard let tube = tubesByName[name] else { return }
        tube.limits = self.limits(of: name)
        admitBlockedPuts(tube)
        var refused: [BlockedPut] = []
        tube.blockedPuts.removeAll { put in
            let mayWait = tube.limits.whenFull == .wait && tube.couldHold(put.body.readableBytes)
            if !mayWait { refused.append(put) }
            return !mayWait
        }
        for put in refused {
            forgetHeld(put)
            put.session.delegate?.sessionDidRefuseHeldPut(put.session)
        }
    }

    private func limits(of name: String) -> TubeLimits {
        limitRules[name]?.over(defaultLimits) ?? defaultLimits
    }

    /// Makes the session put into `tube` (created on demand); returns its name.
    public func use(_ session: Session, tube name: String) {
        let tube = findOrMakeTube(name)
        let old = session.used
        old.usingCount -= 1
        tube.usingCount += 1
        session.used = tube
        forgetIfUnreferenced(old)
    }

    // MARK: Worker commands

    /// Reserves a job for the session from its watched tubes.
    ///
    /// Returns the outcome at once when there is one; returns nil when the
    /// session now waits, and the outcome later goes to its delegate.
    /// - Parameter timeout: how long to wait, in nanoseconds; nil waits forever.
    public func reserve(_ session: Session, timeout: Int64?) -> ReserveOutcome? {
        markWorker(session)
        let now = clock.now
        if isDeadlineSoon(session, now: now), !session.watched.contains(where: { !$0.ready.isEmpty }) {
            return .deadlineSoon
        }
        while let job = bestReadyJob(for: session, now: now) {
            // A job whose body cannot be read is buried, and the next one tried.
            guard let body = readBody(of: job) else { continue }
            leaveState(job)
            return .reserved(reserve(job, body: body, for: session))
        }
        var wakeAt = Int64.max
        if let timeout { wakeAt = now &+ timeout }
        if let soonest = session.soonestDeadline { wakeAt = min(wakeAt, soonest - Self.safetyMargin) }
        if wakeAt <= now { return waitOutcome(session, now: now) }
        startWaiting(session, wakeAt: wakeAt)
        return nil
    }

    /// Reserves the job with this id if it is ready, delayed or buried.
    public func reserveJob(_ session: Session, id: JobID) -> ReservedJob? {
        guard let job = jobs[id], job.state != .reserved, let body = readBody(of: job) else { return nil }
        markWorker(session)
        let wasBuried = job.state == .buried || job.state == .delayed
        leaveState(job)
        let reserved = reserve(job, body: body, for: session)
        if wasBuried { stage(.update(record(of: job))) }
        return reserved
    }

    /// Cancels the session's waiting reserve; it is answered `TIMED_OUT`, as
    /// beanstalkd answers a waiting client whose connection half-closed.
    public func cancelWait(_ session: Session) -> ReserveOutcome? {
        guard session.isWaiting else { return nil }
        stopWaiting(session)
        return .timedOut
    }

    /// Deletes a job that is ready, delayed, buried, or reserved by this session.
    public func delete(_ session: Session, id: JobID) -> Bool {
        guard let job = jobs[id], job.state != .reserved || job.reserver === session else { return false }
        let slot = job.tube.activitySlot
        if job.state == .reserved { activities[slot].runTime.observe(nanoseconds: clock.now - job.reservedAt) }
        activities[slot].deletes += 1
        remove(job)
        job.tube.deleteCount += 1
        stage(.delete(id))
        job.body.stored.map(store.release)
        forgetIfUnreferenced(job.tube)
        return true
    }

    /// Releases a job reserved by this session, with a new priority and delay.
    public func release(_ session: Session, id: JobID, priority: UInt32, delay: UInt32) -> Bool {
        guard let job = reservedJob(id, by: session) else { return false }
        leaveState(job)
        job.priority = priority
        job.delay = Int64(delay) * nanosecondsPerSecond
        job.counters.releases += 1
        enqueue(job, delay: job.delay)
        stage(.update(record(of: job)))
        return true
    }

    /// Buries a job reserved by this session, with a new priority.
    public func bury(_ session: Session, id: JobID, priority: UInt32) -> Bool {
        guard let job = reservedJob(id, by: session) else { return false }
        leaveState(job)
        job.priority = priority
        bury(job)
        stage(.update(record(of: job)))
        onEvent?(.jobBuried(job: id, tube: job.tube.name, reason: "buried by a client"))
        return true
    }

    /// Restarts the TTR of a job reserved by this session.
    public func touch(_ session: Session, id: JobID) -> Bool {
        guard let job = reservedJob(id, by: session) else { return false }
        timers.remove(job)
        session.moveDeadline(of: job, to: clock.now + job.ttr)
        timers.insert(job)
        return true
    }

    /// Ends a failed attempt at a job reserved by this session: counts the
    /// attempt, keeps `reason`, and either releases the job with a delay of
    /// `retryAfter` nanoseconds or, when that is nil, buries it.
    public func fail(_ session: Session, id: JobID, reason: String, retryAfter: Int64?) -> Bool {
        guard let job = reservedJob(id, by: session) else { return false }
        leaveState(job)
        job.attempts &+= 1
        failures[job.id] = reason
        if let retryAfter {
            job.delay = max(0, retryAfter)
            job.counters.releases += 1
            enqueue(job, delay: max(0, retryAfter))
        } else {
            bury(job)
        }
        stage(.update(record(of: job)))
        onEvent?(retryAfter == nil ? .jobBuried(job: id, tube: job.tube.name, reason: reason)
            : .attemptRetried(job: id, tube: job.tube.name, reason: reason))
        return true
    }

    /// Makes a reservation of this session last `duration` nanoseconds from
    /// now, whatever the job's TTR: a pool worker holds its job for as long
    /// as its handler may run.
    public func hold(_ session: Session, id: JobID, for duration: Int64) -> Bool {
        guard let job = reservedJob(id, by: session) else { return false }
        timers.remove(job)
        session.moveDeadline(of: job, to: Self.later(clock.now, by: duration))
        timers.insert(job)
        return true
    }

    /// Sets the aging rule of the tube `name`, now and whenever it is created
    /// again: a ready job that has waited `after` nanoseconds goes ahead of
    /// every job that has waited less, whatever their priorities, so that a
    /// stream of urgent jobs cannot starve the others. nil: strict priority.
    public func setAging(tubeNamed name: String, after: Int64?) {
        agingRules[name] = after
        tubesByName[name]?.setAging(after: after)
    }

    /// Adds a tube (created on demand) to the watch list; returns the list's length.
    public func watch(_ session: Session, tube name: String) -> Int {
        let tube = findOrMakeTube(name)
        if !session.watched.contains(where: { $0 === tube }) {
            session.watched.append(tube)
            tube.watchingCount += 1
        }
        return session.watched.count
    }

    /// The result of an ignore.
    public enum IgnoreResult: Sendable, Equatable {
        /// The watch list now has this many tubes.
        case watching(Int)
        /// The tube is the last one watched and stays.
        case notIgnored
    }

    /// Removes a tube from the watch list, unless it is the last one.
    public func ignore(_ session: Session, tube name: String) -> IgnoreResult {
        guard let index = session.watched.firstIndex(where: { $0.name == name }) else {
            return .watching(session.watched.count)
        }
        guard session.watched.count > 1 else { return .notIgnored }
        let tube = session.watched[index]
        session.watched[index] = session.watched[session.watched.count - 1]
        session.watched.removeLast()
        tube.watchingCount -= 1
        forgetIfUnreferenced(tube)
        return .watching(session.watched.count)
    }

    // MARK: Inspection and control

    /// A copy of a job for `peek`: its id and body.
    public func peek(id: JobID) -> ReservedJob? {
        jobs[id].flatMap(peekCopy)
    }

    /// Which of a tube's queues to peek at.
    public enum PeekQueue: Sendable {
        case ready
        case delayed
        case buried
    }

    /// The next job of the session's used tube in the given queue.
    public func peek(_ session: Session, _ queue: PeekQueue) -> ReservedJob? {
        peek(tube: session.used, queue)
    }

    /// The next job of the named tube in the given queue.
    public func peek(tube name: String, _ queue: PeekQueue) -> ReservedJob? {
        tubesByName[name].flatMap { peek(tube: $0, queue) }
    }

    private func peek(tube: Tube, _ queue: PeekQueue) -> ReservedJob? {
        let job: Job?
        switch queue {
        case .ready: job = tube.nextReady(now: clock.now)
        case .delayed: job = tube.delayed.first
        case .buried: job = tube.buried.first
        }
        return job.flatMap(peekCopy)
    }

    /// The job's id and body, or nil when its body cannot be read (it is buried then).
    private func peekCopy(_ job: Job) -> ReservedJob? {
        readBody(of: job).map { ReservedJob(id: job.id, body: $0, durableAfter: handOut(job)) }
    }

    /// What a reply handing `job` out waits for: its put, until that is durable.
    private func handOut(_ job: Job) -> CommitSequence {
        guard !undurablePuts.isEmpty else { return 0 }
        forgetDurablePuts()
        guard let sequence = undurablePuts[job.id] else { return 0 }
        replyBarrier = max(replyBarrier, sequence)
        store.expedite()
        return sequence
    }

    /// Forgets the puts that the store has made durable since it last looked.
    private func forgetDurablePuts() {
        let durable = store.durableSequence
        while let put = undurablePutOrder.first, put.sequence <= durable {
            undurablePutOrder.removeFirst()
            undurablePuts[put.id] = nil
        }
    }

    /// Kicks up to `bound` jobs of the session's used tube: buried jobs if it
    /// has any, delayed jobs otherwise. Returns how many were kicked.
    public func kick(_ session: Session, bound: UInt32) -> UInt32 {
        kick(tube: session.used, bound: bound)
    }

    /// Kicks up to `bound` jobs of the named tube; 0 when it does not exist.
    public func kick(tubeNamed name: String, bound: UInt32) -> UInt32 {
        tubesByName[name].map { kick(tube: $0, bound: bound) } ?? 0
    }

    private func kick(tube: Tube, bound: UInt32) -> UInt32 {
        let fromBuried = !tube.buried.isEmpty
        var kicked: UInt32 = 0
        while kicked < bound, let job = fromBuried ? tube.buried.first : tube.delayed.first {
            kick(job)
            kicked += 1
        }
        return kicked
    }

    /// Kicks one buried or delayed job.
    public func kickJob(id: JobID) -> Bool {
        guard let job = jobs[id], job.state == .buried || job.state == .delayed else { return false }
        kick(job)
        return true
    }

    /// Pauses a tube for `seconds`; false when the tube does not exist. As in
    /// beanstalkd, 0 pauses for one nanosecond, which ends any current pause.
    public func pauseTube(_ name: String, seconds: UInt32) -> Bool {
        guard let tube = tubesByName[name] else { return false }
        let duration = max(Int64(seconds) * nanosecondsPerSecond, 1)
        if pauses.contains(tube) { pauses.remove(tube) }
        tube.pauseDuration = duration
        tube.unpauseAt = clock.now + duration
        tube.pauseCount += 1
        pauses.insert(tube)
        stage(.pause(tube: name, untilWall: clock.wallNanoseconds + duration, duration: duration))
        return true
    }

    // MARK: Timers

    /// When ``processTimers()`` next has work, in the clock's monotonic time.
    public var nextDeadline: Int64? {
        let next = min(timers.first?.deadline ?? .max, pauses.first?.unpauseAt ?? .max, wakeups.first?.wakeAt ?? .max)
        return next == .max ? nil : next
    }

    /// Fires every timer that is due, in time order: delayed jobs become
    /// ready, expired reservations return to ready, paused tubes resume, and
    /// waiting reserves that reached their timeout or safety margin are answered.
    public func processTimers() {
        let now = clock.now
        while true {
            let job = timers.first.flatMap { $0.deadline <= now ? $0 : nil }
            let tube = pauses.first.flatMap { $0.unpauseAt <= now ? $0 : nil }
            let session = wakeups.first.flatMap { $0.wakeAt <= now ? $0 : nil }
            let jobTime = job?.deadline ?? .max
            let tubeTime = tube?.unpauseAt ?? .max
            let sessionTime = session?.wakeAt ?? .max
            if let job, jobTime <= tubeTime, jobTime <= sessionTime {
                if job.state == .reserved {
                    job.counters.timeouts += 1
                    counts.jobTimeouts += 1
                    onEvent?(.reservationTimedOut(job: job.id, tube: job.tube.name))
                }
                leaveState(job)
                enqueue(job, delay: 0)
            } else if let tube, tubeTime <= sessionTime {
                pauses.remove(tube)
                tube.pauseDuration = 0
                serveWaiters(tube)
            } else if let session {
                let outcome = waitOutcome(session, now: now)
                stopWaiting(session)
                session.delegate?.session(session, didFinishWaiting: outcome)
            } else {
                return
            }
        }
    }

    // MARK: Statistics

    /// Server-wide statistics.
    public var stats: EngineStats {
        EngineStats(
            urgent: counts.urgent, ready: counts.ready, reserved: counts.reserved,
            delayed: counts.delayed, buried: counts.buried, totalJobs: counts.totalJobs,
            jobTimeouts: counts.jobTimeouts, tubes: tubes.count, sessions: counts.sessions,
            producers: counts.producers, workers: counts.workers, waiting: counts.waiting,
            totalSessions: counts.totalSessions, isDraining: isDraining)
    }

    /// Statistics of a tube, or nil when it does not exist.
    public func tubeStats(_ name: String) -> TubeStats? {
        guard let tube = tubesByName[name] else { return nil }
        let now = clock.now
        return TubeStats(
            name: tube.name, urgent: tube.urgentCount, ready: tube.ready.count,
            reserved: tube.reservedCount, delayed: tube.delayed.count, buried: tube.buried.count,
            totalJobs: tube.totalJobs, using: tube.usingCount, watching: tube.watchingCount,
            waiting: tube.waitingCount, deletes: tube.deleteCount, pauses: tube.pauseCount,
            pauseSeconds: tube.isPaused(at: now) ? tube.pauseDuration / nanosecondsPerSecond : 0,
            pauseTimeLeft: tube.isPaused(at: now) ? (tube.unpauseAt - now) / nanosecondsPerSecond : 0,
            limits: tube.limits, bytes: tube.bodyBytes, waitingPuts: tube.blockedPuts.count)
    }

    /// Statistics of a job, or nil when it does not exist.
    public func jobStats(_ id: JobID) -> JobStats? {
        guard let job = jobs[id] else { return nil }
        let now = clock.now
        let hasDeadline = job.state == .reserved || job.state == .delayed
        return JobStats(
            id: job.id, tube: job.tube.name, state: job.state, priority: job.priority,
            age: (now - job.createdAt) / nanosecondsPerSecond,
            delay: job.delay / nanosecondsPerSecond, ttr: job.ttr / nanosecondsPerSecond,
            timeLeft: hasDeadline ? (job.deadline - now) / nanosecondsPerSecond : 0,
            counters: job.counters, attempts: job.attempts, lastFailure: lastFailure(of: job))
    }

    /// What has happened in each observed tube since start; the first entry
    /// (``TubeActivity/tube`` nil) counts the tubes past ``observedTubeLimit``.
    public var tubeActivity: [TubeActivity] { activities }

    /// The names of all tubes, in beanstalkd's order.
    public var tubeNames: [String] { tubes.map(\.name) }

    // MARK: Control

    /// Deletes every job of `tube` that is in one of `states` (reserved jobs
    /// are never purged: their workers own them). Returns how many were
    /// deleted, or nil when the tube does not exist.
    public func purge(tubeNamed name: String, states: Set<JobState>) -> Int? {
        guard let tube = tubesByName[name] else { return nil }
        let doomed = jobs.values.filter { $0.tube === tube && $0.state != .reserved && states.contains($0.state) }
        for job in doomed.sorted(by: { $0.id < $1.id }) {
            remove(job)
            tube.deleteCount += 1
            stage(.delete(job.id))
            job.body.stored.map(store.release)
        }
        forgetIfUnreferenced(tube)
        return doomed.count
    }

    /// Forgets a job whose insert the store rejected (it can never be
    /// written): it leaves memory as if it had never been put, wherever it
    /// is now, and nothing is staged for it. Other rejected records change
    /// nothing here: the job they describe stays as the engine has it.
    private func forgetRejected(_ record: StoreRecord) {
        guard case .insert(let image) = record, let job = jobs[image.id] else { return }
        remove(job)
        job.body.stored.map(store.release)
        forgetIfUnreferenced(job.tube)
    }

    /// Moves the jobs whose bodies are in `segment` (see ``JobStore/relocationHandler``):
    /// each is staged again as an insert of its present state, and its old body released.
    private func relocateBodies(in segment: UInt32) {
        let movers = jobs.values.filter { $0.body.stored?.segment == segment }
        for job in movers.sorted(by: { $0.id < $1.id }) {
            guard let old = job.body.stored, let body = readBody(of: job) else { continue }
            stage(.insert(record(of: job, body: body)))
            if let stored = store.latestStoredBody { job.body = .stored(stored) }
            store.release(old)
        }
    }

    /// The job's body, read back from the store when it keeps it. A body
    /// that cannot be read (a damaged file) buries its job, with the reason
    /// in `stats-job`, so that it is not handed out again and again; nil then.
    private func readBody(of job: Job) -> ByteBuffer? {
        switch job.body {
        case .inMemory(let body):
            return body
        case .stored(let stored):
            do {
                return try store.body(stored)
            } catch {
                guard job.state != .buried else { return nil }
                leaveState(job)
                failures[job.id] = "its body cannot be read from the store: \(error)"
                bury(job)
                stage(.update(record(of: job)))
                return nil
            }
        }
    }

    // MARK: Internals

    /// Takes a job out of the queue, wherever it is.
    private func remove(_ job: Job) {
        leaveState(job)
        jobs.remove(job.id)
        if !failures.isEmpty { failures[job.id] = nil }
        job.tube.jobCount -= 1
        job.tube.bodyBytes -= job.body.length
        account(job, sign: -1)
        guard heldPuts > 0 else { return }
        if !job.tube.blockedPuts.isEmpty { admitBlockedPuts(job.tube) }
        // Memory freed here may be what held puts of other tubes wait for.
        if memoryLimit < .max {
            for tube in tubesByName.values where tube !== job.tube && !tube.blockedPuts.isEmpty { admitBlockedPuts(tube) }
        }
    }

    private func reservedJob(_ id: JobID, by session: Session) -> Job? {
        guard let job = jobs[id], job.state == .reserved, job.reserver === session else { return nil }
        return job
    }

    private func isDeadlineSoon(_ session: Session, now: Int64) -> Bool {
        guard let soonest = session.soonestDeadline else { return false }
        return now >= soonest - Self.safetyMargin
    }

    private func waitOutcome(_ session: Session, now: Int64) -> ReserveOutcome {
        isDeadlineSoon(session, now: now) ? .deadlineSoon : .timedOut
    }

    /// The best ready job among the session's watched, unpaused tubes.
    private func bestReadyJob(for session: Session, now: Int64) -> Job? {
        guard isProcessing else { return nil }
        var best: Job?
        for tube in session.watched where !tube.isPaused(at: now) {
            if let candidate = tube.nextReady(now: now), best.map({ ReadyOrder.precedes(candidate, $0) }) ?? true {
                best = candidate
            }
        }
        return best
    }

    private func reserve(_ job: Job, body: ByteBuffer, for session: Session) -> ReservedJob {
        let now = clock.now
        let slot = job.tube.activitySlot
        if job.state == .ready { activities[slot].waitTime.observe(nanoseconds: now - job.readySince) }
        activities[slot].reserves += 1
        job.state = .reserved
        job.reserver = session
        job.reservedAt = now
        job.deadline = now + job.ttr
        job.counters.reserves += 1
        session.addReserved(job)
        job.tube.reservedCount += 1
        counts.reserved += 1
        timers.insert(job)
        return ReservedJob(id: job.id, body: body, durableAfter: handOut(job))
    }

    private func startWaiting(_ session: Session, wakeAt: Int64) {
        session.isWaiting = true
        if !session.isInternal { counts.waiting += 1 }
        for tube in session.watched {
            tube.waiters.append((session, session.waitGeneration))
            tube.waitingCount += 1
        }
        if wakeAt < .max {
            session.wakeAt = wakeAt
            wakeups.insert(session)
        }
    }

    private func stopWaiting(_ session: Session) {
        session.isWaiting = false
        session.waitGeneration += 1
        if !session.isInternal { counts.waiting -= 1 }
        for tube in session.watched {
            tube.waitingCount -= 1
            tube.compactWaiters()
        }
        if wakeups.contains(session) { wakeups.remove(session) }
        session.wakeAt = .max
    }

    /// Hands the tube's ready jobs to its waiting sessions, best job to the
    /// longest-waiting session, while both last and the tube is not paused.
    private func serveWaiters(_ tube: Tube) {
        while tube.waitingCount > 0, isProcessing, !tube.isPaused(at: clock.now), let job = tube.nextReady(now: clock.now) {
            guard let body = readBody(of: job) else { continue }
            guard let session = tube.takeWaiter() else { break }
            stopWaiting(session)
            leaveState(job)
            let reserved = reserve(job, body: body, for: session)
            session.delegate?.session(session, didFinishWaiting: .reserved(reserved))
        }
    }

    /// Takes the job out of the structures of its current state.
    private func leaveState(_ job: Job) {
        let tube = job.tube
        switch job.state {
        case .ready:
            tube.ready.remove(job)
            if job.ageHeapIndex >= 0 { tube.readyByAge.remove(job) }
            counts.ready -= 1
            if job.isUrgent {
                counts.urgent -= 1
                tube.urgentCount -= 1
            }
        case .delayed:
            tube.delayed.remove(job)
            timers.remove(job)
            counts.delayed -= 1
        case .buried:
            tube.buried.remove(job)
            counts.buried -= 1
        case .reserved:
            timers.remove(job)
            job.reserver?.removeReserved(job)
            job.reserver = nil
            tube.reservedCount -= 1
            counts.reserved -= 1
        }
    }

    /// `now` plus `span` nanoseconds, or the end of time where that overflows.
    private static func later(_ now: Int64, by span: Int64) -> Int64 {
        let (sum, overflow) = now.addingReportingOverflow(span)
        return overflow ? .max : sum
    }

    /// Puts a job that is in no state into the ready queue, or the delayed
    /// one for `delay`; `now` is the clock's reading when the caller has
    /// one (a restore of a million jobs reads it once).
    private func enqueue(_ job: Job, delay: Int64, now: Int64? = nil) {
        let tube = job.tube
        let now = now ?? clock.now
        if delay > 0 {
            job.state = .delayed
            job.deadline = Self.later(now, by: delay)
            tube.delayed.insert(job)
            timers.insert(job)
            counts.delayed += 1
        } else {
            job.state = .ready
            tube.ready.insert(job)
            // Kept whether or not the tube has an aging rule now: a rule set
            // later counts the wait of the jobs already ready from here.
            job.readySince = now
            if tube.agingAfter != nil { tube.readyByAge.insert(job) }
            counts.ready += 1
            if job.isUrgent {
                counts.urgent += 1
                tube.urgentCount += 1
            }
            serveWaiters(tube)
        }
    }

    private func bury(_ job: Job) {
        burySequence += 1
        job.burySequence = burySequence
        job.state = .buried
        job.counters.buries += 1
        job.tube.buried.insert(job)
        counts.buried += 1
    }

    private func kick(_ job: Job) {
        leaveState(job)
        job.counters.kicks += 1
        job.attempts = 0
        enqueue(job, delay: 0)
        stage(.update(record(of: job)))
    }

    private func stage(_ record: StoreRecord) {
        stagedSequence = store.stage(record)
        replyBarrier = stagedSequence
    }

    /// The record of a put, before the job is queued: ready, or delayed by its delay.
    private func insertRecord(of job: Job, body: ByteBuffer) -> JobRecord {
        var record = record(of: job, body: body)
        if job.delay > 0 {
            record.state = .delayed
            record.readyAtWall = Self.later(clock.wallNanoseconds, by: job.delay)
        }
        return record
    }

    private func record(of job: Job, body: ByteBuffer? = nil) -> JobRecord {
        let state: JobRecord.DurableState
        var readyAtWall: Int64 = 0
        switch job.state {
        case .ready, .reserved:
            state = .ready
        case .delayed:
            state = .delayed
            readyAtWall = Self.later(clock.wallNanoseconds, by: job.deadline - clock.now)
        case .buried:
            state = .buried
        }
        return JobRecord(
            id: job.id, tube: job.tube.name, priority: job.priority, delay: job.delay, ttr: job.ttr,
            state: state, readyAtWall: readyAtWall, createdWall: job.createdAt + (clock.wallNanoseconds - clock.now),
            counters: job.counters, attempts: job.attempts, lastFailure: lastFailure(of: job),
            body: body)
    }

    private func findOrMakeTube(_ name: String) -> Tube {
        if let tube = tubesByName[name] { return tube }
        let tube = Tube(name: name)
        if let rule = agingRules[name] { tube.setAging(after: rule) }
        tube.limits = limits(of: name)
        register(tube)
        return tube
    }

    private func register(_ tube: Tube) {
        tube.activitySlot = activitySlot(for: tube.name)
        tube.listIndex = tubes.count
        tubes.append(tube)
        tubesByName[tube.name] = tube
    }

    /// The slot of `name`'s activity: its own while fewer than
    /// ``observedTubeLimit`` names have one, else the shared slot 0.
    private func activitySlot(for name: String) -> Int {
        if let slot = activitySlots[name] { return slot }
        guard activitySlots.count < Self.observedTubeLimit else { return 0 }
        activities.append(TubeActivity(tube: name))
        activitySlots[name] = activities.count - 1
        return activities.count - 1
    }

    /// Forgets a tube nothing refers to, as beanstalkd frees it; the default tube stays.
    private func forgetIfUnreferenced(_ tube: Tube) {
        guard tube.isUnreferenced, tube !== defaultTube, tubesByName[tube.name] === tube else { return }
        tubesByName[tube.name] = nil
        let index = tube.listIndex
        let last = tubes.removeLast()
        if index < tubes.count {
            tubes[index] = last
            last.listIndex = index
        }
        if pauses.contains(tube) {
            pauses.remove(tube)
            // The store keeps a running pause in every new segment's header
            // until it ends: a pause of 2^32-1 seconds of a tube gone would
            // stay for good (and with enough of them fill the disk).
            stage(.pause(tube: tube.name, untilWall: 0, duration: 0))
        }
    }
}
