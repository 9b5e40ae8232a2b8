import CMalloc
import Logging
import NIOCore
import SpoolCore
import SpoolProtocol

/// The engine as code on its event loop sees it: protocol connections and
/// pool workers, which run there and call it synchronously. Every change
/// re-arms the engine's timer; every command's result says from which point
/// on it is durable.
///
/// Not `Sendable`: reach it through ``EngineHost/onLoop`` on the host's loop.
public final class LoopEngine: ConnectionEngine {
    /// The loop that owns the engine.
    public let eventLoop: EventLoop
    /// What the host reports and accepts.
    public let configuration: HostConfiguration
    let engine: Engine
    private let dispatcher: CommandDispatcher
    private let timer: EngineTimer
    private var observers: [@Sendable (EngineEvent) -> Void] = []
    /// Whether the engine changed since a watcher last asked (``whenChanged(_:)``).
    private var changedSinceAsked = true
    /// The watcher waiting for the next change.
    private var changeWaiter: EventLoopPromise<Void>?
    private var freedMemory = FreedMemoryReturn()
    /// The return of freed memory to the kernel, when one is due.
    private var memoryReturn: Scheduled<Void>?

    init(engine: Engine, configuration: HostConfiguration, eventLoop: EventLoop, logger: Logger) {
        self.engine = engine
        self.configuration = configuration
        self.eventLoop = eventLoop
        dispatcher = CommandDispatcher(engine: engine, configuration: configuration)
        timer = EngineTimer(engine: engine, eventLoop: eventLoop)
        timer.didFire = { [unowned self] in noteChange() }
        engine.onEvent = { [unowned self] event in
            Self.log(event, logger)
            observers.forEach { $0(event) }
        }
        didChange()
    }

    private static func log(_ event: EngineEvent, _ logger: Logger) {
        switch event {
        case .reservationTimedOut(let job, let tube):
            logger.notice("reservation timed out; job is ready again", metadata: ["job_id": "\(job)", "tube": "\(tube)"])
        case .jobBuried(let job, let tube, let reason):
            logger.info("job buried", metadata: ["job_id": "\(job)", "tube": "\(tube)", "reason": "\(reason)"])
        case .attemptRetried:
            break  // the pool logs its attempts (with their output) itself
        }
    }

    // MARK: Sessions

    /// The largest job body accepted (`-z`).
    public var maxJobSize: Int { configuration.maxJobSize }

    /// Opens a protocol connection's session.
    public func connect(_ delegate: EngineConnectionDelegate) -> EngineConnection {
        LocalConnection(engine: self, delegate: delegate)
    }

    /// Opens a session that uses and watches `default`, told of its waits'
    /// outcomes through `delegate`.
    /// - Parameter isInternal: a session of spoold's own (a pool worker),
    ///   left out of the connection counts.
    public func openSession(delegate: SessionDelegate, isInternal: Bool = false) -> Session {
        let session = engine.openSession(isInternal: isInternal)
        session.delegate = delegate
        noteChange()
        watchMemoryHeld()
        return session
    }

    /// Has freed memory returned to the kernel once the memory jobs and
    /// connections hold has fallen far enough (``FreedMemoryReturn``).
    private func watchMemoryHeld() {
        let held = FreedMemoryReturn.held(jobMemory: engine.accountedMemory, connections: engine.openSessions)
        if freedMemory.shouldReturn(held: held) {
            // Again from here while the memory keeps falling.
            memoryReturn?.cancel()
            let bound = NIOLoopBound(self, eventLoop: eventLoop)
            memoryReturn = eventLoop.scheduleTask(in: FreedMemoryReturn.delay) {
                bound.value.memoryReturn = nil
                Task.detached { _ = cmalloc_trim() }
            }
        }
    }

    /// Closes a session: its reservations are released, its wait ends.
    public func closeSession(_ session: Session) {
        session.delegate = nil
        engine.closeSession(session)
        didChange()
    }

    // MARK: The protocol

    /// Executes one protocol command for `session`, refused as the store's
    /// condition says (``StorePolicy``).
    public func execute(_ command: Command, session: Session) -> Execution {
        engine.replyBarrier = 0
        let outcome = dispatcher.execute(command, session: session)
        didChange()
        return Execution(outcome: outcome, durableAfter: engine.replyBarrier)
    }

    /// A put's command line arrived (see ``CommandDispatcher/startPut(session:bodyFits:)``).
    public func startPut(session: Session, bodyFits: Bool) {
        dispatcher.startPut(session: session, bodyFits: bodyFits)
    }

    /// The put begun by ``startPut(session:bodyFits:)`` ended without a job.
    public func abandonPut(session: Session) {
        dispatcher.abandonPut(session: session)
    }

    /// A `pause-tube` answered `BAD_FORMAT` still counts, as in beanstalkd.
    public func countMalformedPauseTube() {
        dispatcher.countMalformedPauseTube()
    }

    /// Ends the session's wait (its connection half-closed): a reserve is
    /// answered `TIMED_OUT`, as in beanstalkd; a put held for room is not
    /// put and is answered `OUT_OF_MEMORY`, as when it is refused. Nil when
    /// it was not waiting.
    public func cancelWait(_ session: Session) -> Reply? {
        defer { didChange() }
        if engine.cancelHeldPut(session) { return .word(.outOfMemory) }
        return engine.cancelWait(session).map(Self.reply(for:))
    }

    /// The reply for the outcome of a reserve.
    public static func reply(for outcome: ReserveOutcome) -> Reply {
        CommandDispatcher.reply(for: outcome)
    }

    // MARK: Durability

    /// Whether everything up to `point` is durable.
    public func isDurable(_ point: CommitSequence) -> Bool {
        point <= engine.store.durableSequence
    }

    /// Calls `action` on the loop once `point` is durable, with the points
    /// the store rejected in that commit (their replies become errors).
    public func whenDurable(_ point: CommitSequence, _ action: @escaping (_ rejected: RejectedSequences) -> Void) {
        engine.store.whenDurable(point, action)
    }

    // MARK: Pool workers

    /// Opens a session of spoold's own that watches `tube` alone; the caller
    /// becomes its delegate.
    public func openWorkerSession(watching tube: String) -> Session {
        let session = engine.openSession(isInternal: true)
        noteChange()
        _ = engine.watch(session, tube: tube)
        if tube != "default" { _ = engine.ignore(session, tube: "default") }
        return session
    }

    /// Reserves the next job for `session`; nil when it now waits (its delegate gets the outcome).
    public func reserve(_ session: Session) -> ReserveOutcome? {
        defer { didChange() }
        return engine.reserve(session, timeout: nil)
    }

    /// Ends a wait without an outcome for the session's delegate.
    public func stopWaiting(_ session: Session) {
        _ = engine.cancelWait(session)
        didChange()
    }

    /// A job's statistics; nil when it does not exist.
    public func jobStats(_ id: JobID) -> JobStats? {
        engine.jobStats(id)
    }

    /// Holds a reservation of `session` for `duration` nanoseconds from now.
    @discardableResult
    public func hold(_ session: Session, id: JobID, for duration: Int64) -> Bool {
        defer { didChange() }
        return engine.hold(session, id: id, for: duration)
    }

    /// Deletes a job reserved by `session`.
    @discardableResult
    public func delete(_ session: Session, id: JobID) -> Bool {
        defer { didChange() }
        return engine.delete(session, id: id)
    }

    /// Releases a job reserved by `session` with `priority`, ready at once.
    @discardableResult
    public func release(_ session: Session, id: JobID, priority: UInt32) -> Bool {
        defer { didChange() }
        return engine.release(session, id: id, priority: priority, delay: 0)
    }

    /// Records a failed attempt on a job reserved by `session`: retried after
    /// `retryAfter` nanoseconds, or buried with `reason` when nil.
    @discardableResult
    public func fail(_ session: Session, id: JobID, reason: String, retryAfter: Int64?) -> Bool {
        defer { didChange() }
        return engine.fail(session, id: id, reason: reason, retryAfter: retryAfter)
    }

    /// Sets or clears the aging rule of the tube named `name`.
    public func setAging(tubeNamed name: String, after: Int64?) {
        engine.setAging(tubeNamed: name, after: after)
        didChange()
    }

    /// Sets the limits of the tube named `name`; each one not given
    /// (nil) is spoold's default (``Engine/defaultLimits``).
    public func setLimits(tubeNamed name: String, maxJobs: Int?, maxBytes: Int?, waitWhenFull: Bool?) {
        // The engine fills in the counts not given (``TubeLimits/over(_:)``).
        engine.setLimits(tubeNamed: name, TubeLimits(
            maxJobs: maxJobs, maxBytes: maxBytes,
            whenFull: waitWhenFull.map { $0 ? .wait : .refuse } ?? engine.defaultLimits.whenFull))
        didChange()
    }

    // MARK: Host internals

    /// Calls `observer` for every engine event.
    func observe(_ observer: @escaping @Sendable (EngineEvent) -> Void) {
        observers.append(observer)
    }

    /// The engine's metrics: its state, command counts, tube activity and commits.
    var metrics: EngineMetrics {
        EngineMetrics(
            queue: QueueSnapshot(engine, summary: false), commands: dispatcher.counters,
            durability: configuration.durability, storeCondition: engine.store.condition,
            tubeActivity: engine.tubeActivity, commits: engine.store.commitActivity)
    }

    /// The counts behind `STATUS=` and idle detection.
    var statusSnapshot: StatusSnapshot {
        let stats = engine.stats
        return StatusSnapshot(
            ready: stats.ready, reserved: stats.reserved, delayed: stats.delayed, buried: stats.buried,
            tubes: stats.tubes, connections: stats.sessions, durability: configuration.durability)
    }

    /// Runs an admin change unless the store refuses it, re-arms the timer,
    /// and returns its result with the point after which it is durable.
    func change<T>(_ body: (Engine) -> T) throws(StoreUnavailableError) -> (T, CommitSequence) {
        guard !StorePolicy.refuses(.other, under: engine.store.condition) else { throw StoreUnavailableError() }
        let result = body(engine)
        didChange()
        return (result, engine.stagedSequence)
    }

    /// Completes `promise` once the engine has changed since the last
    /// watcher was told: at once if it has. One watcher at a time: an
    /// earlier one still waiting is told now.
    func whenChanged(_ promise: EventLoopPromise<Void>) {
        if changedSinceAsked {
            changedSinceAsked = false
            return promise.succeed()
        }
        changeWaiter?.succeed()
        changeWaiter = promise
    }

    /// After every change: the engine's timer and the watcher.
    private func didChange() {
        timer.engineDidChange()
        noteChange()
        watchMemoryHeld()
    }

    private func noteChange() {
        changedSinceAsked = true
        guard let waiter = changeWaiter else { return }
        changeWaiter = nil
        changedSinceAsked = false
        waiter.succeed()
    }

    /// Stops the timer, at shutdown, and lets a watcher go.
    func stop() {
        timer.stop()
        memoryReturn?.cancel()
        memoryReturn = nil
        changeWaiter?.fail(CancellationError())
        changeWaiter = nil
    }
}
