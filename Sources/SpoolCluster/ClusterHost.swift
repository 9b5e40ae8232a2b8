import Logging
import NIOCore
import SpoolEngineHost

/// A cluster node: the engine on its event loop, the node's registration
/// and the periodic rescue, over one PostgreSQL database shared with the
/// other nodes. Built by ``start(conninfo:configuration:eventLoop:logger:)``,
/// which loads libpq, creates or migrates the schema and registers the node.
public final class ClusterHost: Sendable {
    /// The loop that owns the engine.
    public let eventLoop: EventLoop
    let engine: NIOLoopBound<ClusterEngine>
    let pool: PostgresPool
    private let node: ClusterNode
    private let rescuer: NIOLoopBound<RepeatedTask>

    /// How many statements run at once: one each of puts, deletes and
    /// reserve passes, and one more for everything else and the rescue.
    static let poolSize = 4

    private init(
        eventLoop: EventLoop, engine: NIOLoopBound<ClusterEngine>, pool: PostgresPool, node: ClusterNode,
        rescuer: NIOLoopBound<RepeatedTask>
    ) {
        self.eventLoop = eventLoop
        self.engine = engine
        self.pool = pool
        self.node = node
        self.rescuer = rescuer
    }

    /// Connects to the database `conninfo` names (a libpq URI or connection
    /// string), prepares the schema and starts the node on `eventLoop`;
    /// returns once the node has registered.
    /// - Throws: ``ClusterError`` when libpq is missing, the database cannot
    ///   be reached, or its schema is newer or not Spool's.
    public static func start(
        conninfo: String, configuration: HostConfiguration, eventLoop: EventLoop, logger: Logger
    ) async throws -> ClusterHost {
        let pool = PostgresPool(conninfo: conninfo, size: poolSize)
        do {
            try await pool.run(on: eventLoop) { connection in try ClusterSchema.prepare(connection) }.get()
        } catch {
            await pool.shutdown()
            throw error
        }
        let (engine, rescuer) = try await eventLoop.submit {
            let engine = ClusterEngine(pool: pool, configuration: configuration, eventLoop: eventLoop, logger: logger)
            let bound = NIOLoopBound(engine, eventLoop: eventLoop)
            let rescuer = eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
                bound.value.rescue()
            }
            return (bound, NIOLoopBound(rescuer, eventLoop: eventLoop))
        }.get()
        let node = ClusterNode(
            conninfo: conninfo, host: ProcessIdentity().hostname, eventLoop: eventLoop,
            callbacks: .init(
                registered: { engine.value.registered($0) },
                lost: { engine.value.lost($0) },
                notified: { engine.value.scheduleReservePass() }))
        let registered = try await eventLoop.submit {
            let promise = eventLoop.makePromise(of: Void.self)
            engine.value.firstRegistration = promise
            engine.value.onRegistrationGone = { node.registerAgain() }
            return promise.futureResult
        }.get()
        node.start()
        try await registered.get()
        return ClusterHost(eventLoop: eventLoop, engine: engine, pool: pool, node: node, rescuer: rescuer)
    }

    /// The engine, for connections on ``eventLoop``.
    /// - Precondition: called on ``eventLoop``.
    public var onLoop: ClusterEngine { engine.value }

    /// The node's status now.
    public func status() async throws -> ClusterNodeStatus {
        let engine = self.engine
        return try await eventLoop.submit { engine.value.status }.get()
    }

    /// Calls `body` on the node's loop every `interval`, first at once, with
    /// the node's status; the pings of systemd's watchdog and the `STATUS=`
    /// line come from there, so they stop when the loop does.
    public func every(_ interval: TimeAmount, _ body: @escaping @Sendable (ClusterNodeStatus) -> Void) -> RepeatedTask {
        let engine = self.engine
        return eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { _ in
            body(engine.value.status)
        }
    }

    /// Stops accepting puts (`DRAINING`), as beanstalkd does on SIGUSR1.
    public func drain() {
        let engine = self.engine
        eventLoop.execute { engine.value.isDraining = true }
    }

    /// Ends the node: no more rescues, the registration goes, the connections close.
    public func stop() async {
        let rescuer = self.rescuer
        try? await eventLoop.submit { rescuer.value.cancel() }.get()
        await node.stop()
        await pool.shutdown()
    }
}
