import Logging
import NIOCore
import SpoolCore

/// Hosts the queue's engine: owns its event loop, the ``Engine`` with its
/// store and timer, and offers the operations every surface needs — the
/// protocol (``LoopEngine``, on the loop), and from any thread the admin
/// operations (pause, resume, kick, purge, start and stop processing, drain),
/// snapshots and engine events. A change returns once it is durable.
///
/// This is the seam a second engine (a shared PostgreSQL database for
/// several nodes) implements: the admin operations are asynchronous, as a
/// round trip to a database needs, and the protocol path already is where
/// it must be (a command's reply waits for its durability point; a reserve
/// that cannot be answered at once answers through its session's
/// delegate), while the embedded engine answers on its loop without a hop.
public final class EngineHost: Sendable {
    /// The loop that owns the engine.
    public let eventLoop: EventLoop
    /// What the host reports and accepts.
    public let configuration: HostConfiguration
    private let loopEngine: NIOLoopBound<LoopEngine>

    /// Creates the engine on `eventLoop` with `clock` and the store
    /// `makeStore` builds there, holding the jobs `recovered` from it.
    public init(
        configuration: HostConfiguration, eventLoop: EventLoop, logger: Logger,
        clock: @escaping @Sendable () -> EngineClock = { SystemClock() },
        makeStore: @escaping @Sendable () -> JobStore = { MemoryStore() },
        recovered: RecoveredQueue = RecoveredQueue()
    ) async throws {
        self.configuration = configuration
        self.eventLoop = eventLoop
        loopEngine = try await eventLoop.submit {
            let engine = Engine(clock: clock(), store: makeStore())
            engine.defaultLimits = configuration.defaultLimits
            engine.memoryLimit = configuration.memoryLimit
            engine.restore(recovered)
            return NIOLoopBound(
                LoopEngine(engine: engine, configuration: configuration, eventLoop: eventLoop, logger: logger), eventLoop: eventLoop)
        }.get()
    }

    /// The engine for code on its loop (connections, pool workers).
    /// - Precondition: called on ``eventLoop``.
    public var onLoop: LoopEngine { loopEngine.value }

    // MARK: Admin operations

    /// Pauses the tube named `name` for `seconds` (0 ends a pause); false when it does not exist.
    /// - Throws: ``StoreUnavailableError`` when the store takes no changes now.
    public func pauseTube(_ name: String, seconds: UInt32) async throws -> Bool {
        try await change { $0.pauseTube(name, seconds: seconds) }
    }

    /// Kicks up to `bound` jobs of the tube named `name`; nil when it does not exist.
    /// - Throws: ``StoreUnavailableError`` when the store takes no changes now.
    public func kick(tubeNamed name: String, bound: UInt32) async throws -> UInt32? {
        try await change { $0.tubeStats(name) == nil ? nil : $0.kick(tubeNamed: name, bound: bound) }
    }

    /// Deletes the jobs of the tube named `name` in `states` (never reserved
    /// ones); how many, or nil when the tube does not exist.
    /// - Throws: ``StoreUnavailableError`` when the store takes no changes now.
    public func purge(tubeNamed name: String, states: Set<JobState>) async throws -> Int? {
        try await change { $0.purge(tubeNamed: name, states: states) }
    }

    /// Lets reserves hand out jobs again.
    /// - Throws: ``StoreUnavailableError`` when the store takes no changes now.
    public func startProcessing() async throws {
        try await change { $0.startProcessing() }
    }

    /// Makes reserves wait as if every tube were paused; puts are still taken.
    /// - Throws: ``StoreUnavailableError`` when the store takes no changes now.
    public func stopProcessing() async throws {
        try await change { $0.stopProcessing() }
    }

    /// Stops accepting puts (`DRAINING`), as beanstalkd does on SIGUSR1.
    public func drain() {
        let loopEngine = self.loopEngine
        eventLoop.execute { loopEngine.value.engine.isDraining = true }
    }

    /// Returns once every change made so far is durable.
    public func waitUntilDurable() async throws {
        let loopEngine = self.loopEngine
        let eventLoop = self.eventLoop
        try await eventLoop.flatSubmit {
            let promise = eventLoop.makePromise(of: Void.self)
            loopEngine.value.whenDurable(loopEngine.value.engine.stagedSequence) { _ in promise.succeed() }
            return promise.futureResult
        }.get()
    }

    // MARK: Reads and events

    /// The queue's state with every tube's statistics.
    public func snapshot() async throws -> QueueSnapshot {
        let loopEngine = self.loopEngine
        return try await eventLoop.submit { QueueSnapshot(loopEngine.value.engine, summary: false) }.get()
    }

    /// The queue's state without the tubes' statistics.
    public func summary() async throws -> QueueSnapshot {
        let loopEngine = self.loopEngine
        return try await eventLoop.submit { QueueSnapshot(loopEngine.value.engine, summary: true) }.get()
    }

    /// The statistics of the tube named `name`; nil when it does not exist.
    public func tubeStats(_ name: String) async throws -> TubeStats? {
        let loopEngine = self.loopEngine
        return try await eventLoop.submit { loopEngine.value.engine.tubeStats(name) }.get()
    }

    /// The engine's metrics now: its state, command counts, tube activity and commits.
    public func metrics() async throws -> EngineMetrics {
        let loopEngine = self.loopEngine
        return try await eventLoop.submit { loopEngine.value.metrics }.get()
    }

    /// The counts behind the service status and idle exit.
    public func statusSnapshot() async throws -> StatusSnapshot {
        let loopEngine = self.loopEngine
        return try await eventLoop.submit { loopEngine.value.statusSnapshot }.get()
    }

    /// Runs `body` every `interval` on the engine's own loop with a fresh
    /// status snapshot. Because it runs on that loop, a loop that hangs stops
    /// running it: this is where watchdog pings belong.
    public func every(_ interval: TimeAmount, _ body: @escaping @Sendable (StatusSnapshot) -> Void) -> RepeatedTask {
        let loopEngine = self.loopEngine
        return eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { _ in
            body(loopEngine.value.statusSnapshot)
        }
    }

    /// Calls `observer` on the engine's loop for every engine event.
    public func observe(_ observer: @escaping @Sendable (EngineEvent) -> Void) async throws {
        let loopEngine = self.loopEngine
        try await eventLoop.submit { loopEngine.value.observe(observer) }.get()
    }

    /// Returns once the engine has changed since the last call returned.
    public func nextChange() async throws {
        let loopEngine = self.loopEngine
        let promise = eventLoop.makePromise(of: Void.self)
        try await withTaskCancellationHandler {
            eventLoop.execute { loopEngine.value.whenChanged(promise) }
            try await promise.futureResult.get()
        } onCancel: {
            // A promise completes once: the loop's later success is ignored.
            promise.fail(CancellationError())
        }
    }

    /// Stops the engine's timer, at shutdown, once nothing serves any more.
    public func stop() async {
        let loopEngine = self.loopEngine
        try? await eventLoop.submit { loopEngine.value.stop() }.get()
    }

    /// Runs an admin change on the loop and returns its result once it is durable.
    private func change<T: Sendable>(_ body: @escaping @Sendable (Engine) -> T) async throws -> T {
        let loopEngine = self.loopEngine
        let eventLoop = self.eventLoop
        return try await eventLoop.flatSubmit {
            do {
                let (result, point) = try loopEngine.value.change(body)
                let promise = eventLoop.makePromise(of: T.self)
                loopEngine.value.whenDurable(point) { _ in promise.succeed(result) }
                return promise.futureResult
            } catch {
                return eventLoop.makeFailedFuture(error)
            }
        }.get()
    }
}
