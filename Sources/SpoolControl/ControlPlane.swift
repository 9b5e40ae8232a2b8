import DBus
import Logging
import SpoolControlAPI
import SpoolCore
import SpoolEngineHost
import Synchronization

/// spoold's D-Bus control plane: the manager object, one queue object per
/// tube, their properties and signals, on a ``Connection``.
///
/// Every read and change goes through the engine's typed operations
/// (``ControlEngine``: the local engine's host, or a cluster node); nothing
/// here blocks the engine. When the queue changed, at most four times a
/// second (never while it is idle), the plane compares it with what it last
/// published: tubes that appeared or went away are exported or
/// removed (ObjectManager's `InterfacesAdded` / `InterfacesRemoved`), and
/// changed properties are announced in one `PropertiesChanged` per object,
/// so a busy queue costs a few signals a second, never one per job.
public final class ControlPlane: Sendable {
    /// How often changes are published at most.
    public static let publishInterval: Duration = .milliseconds(250)

    private let connection: Connection
    private let host: any ControlEngine
    private let pool: any PoolControl
    private let logger: Logger
    private let published = Mutex(Published())
    private let publisher = Mutex<Task<Void, Never>?>(nil)
    private let buried = Mutex(BuriedJobs())

    /// Most `JobBuried` signals per publication: a client burying thousands
    /// of jobs a second must not flood the bus (the excess is counted and logged).
    static let maximumBuriedSignals = 100

    /// Burials seen on the engine's loop, waiting for the next publication.
    private struct BuriedJobs {
        var pending: [(tube: String, job: JobID, reason: String)] = []
        var dropped = 0
    }

    private struct Published {
        var manager: [String: DBusValue] = [:]
        var queues: [String: [String: DBusValue]] = [:]
    }

    /// Exports every object, then takes the bus name (so that calls queued
    /// during D-Bus activation find them), then starts publishing changes.
    /// - Parameter pool: the worker pool, and how to reload its configuration.
    public init(
        connection: Connection, host: any ControlEngine, pool: any PoolControl, version: String, durability: String, logger: Logger
    ) async throws {
        self.connection = connection
        self.host = host
        self.logger = logger
        self.pool = pool
        let context = ControlContext(host: host, pool: pool, authorizer: Authorizer(), version: version, durability: durability)
        connection.addObjectManager(at: ControlNames.managerPath)
        connection.export(ManagerInterface.make(context), at: ControlNames.managerPath)
        connection.setResolver(below: ControlNames.queuesPath) { [self] path in await exportOnDemand(path, context) }
        try await publish(context)
        try await host.observe { [self] event in
            guard case .jobBuried(let job, let tube, let reason) = event else { return }
            self.buried.withLock { buried in
                if buried.pending.count < Self.maximumBuriedSignals {
                    buried.pending.append((tube, job, reason))
                } else {
                    buried.dropped += 1
                }
            }
        }
        try await connection.requestName(ControlNames.busName)
        let task = Task { [self] in
            // Publishes when the queue changed, at most four times a second;
            // an idle queue wakes nothing. Ends with the wait or the sleep
            // that stop() cancels: never one more publication, which would
            // ask a loop that may be shutting down.
            while (try? await host.nextChange()) != nil {
                do {
                    try await publish(context)
                } catch {
                    logger.warning("cannot publish the queue's state on D-Bus", metadata: ["error": "\(error)"])
                }
                guard (try? await Task.sleep(for: Self.publishInterval)) != nil else { return }
            }
        }
        publisher.withLock { $0 = task }
        logger.notice("D-Bus control plane ready", metadata: ["bus_name": "\(ControlNames.busName)", "unique_name": "\(connection.uniqueName)"])
    }

    /// Stops publishing and closes the connection (the bus name goes with it).
    public func stop() {
        publisher.withLock { $0?.cancel() }
        connection.close()
    }

    /// Exports the queue at `path` if its tube exists but was created since
    /// the last publication, so that a call right after a `put` finds it;
    /// the next publication announces its properties.
    private func exportOnDemand(_ path: ObjectPath, _ context: ControlContext) async {
        guard let tube = try? await host.summary().tubeNames.first(where: { ControlNames.queuePath($0) == path }) else { return }
        published.withLock { published in
            guard published.queues[tube] == nil else { return }
            published.queues[tube] = [:]
            connection.export(QueueInterface.make(tube: tube, context), at: path)
        }
    }

    /// Publishes what changed since the last time.
    private func publish(_ context: ControlContext) async throws {
        let snapshot = ControlSnapshot(try await host.snapshot(), pools: try await pool.figures())
        let (burials, dropped) = buried.withLock { buried in
            defer { buried = BuriedJobs() }
            return (buried.pending, buried.dropped)
        }
        for burial in burials {
            try? connection.emit(ControlNames.managerPath, ControlNames.manager, ManagerAPI.jobBuried.name, [.string(burial.tube), .uint64(burial.job), .string(burial.reason)])
        }
        if dropped > 0 {
            logger.info("JobBuried signals not sent: too many burials at once", metadata: ["dropped": "\(dropped)"])
        }
        let managerProperties = snapshot.managerProperties
        let queueProperties = snapshot.tubes.mapValues { ControlSnapshot.queueProperties($0, pool: snapshot.pools[$0.name]) }
        let (managerChanges, queueChanges) = published.withLock { published in
            let managerChanges = managerProperties.filter { published.manager[$0.key] != $0.value }
            let added = queueProperties.keys.filter { published.queues[$0] == nil }
            let removed = published.queues.keys.filter { queueProperties[$0] == nil }
            var queueChanges: [String: [String: DBusValue]] = [:]
            for (tube, properties) in queueProperties {
                guard let before = published.queues[tube] else { continue }
                let changed = properties.filter { before[$0.key] != $0.value }
                if !changed.isEmpty { queueChanges[tube] = changed }
            }
            published.manager = managerProperties
            published.queues = queueProperties
            // Under the lock, so that an export on demand (``exportOnDemand``) never crosses these.
            for tube in removed.sorted() {
                connection.unexport(ControlNames.queuePath(tube))
            }
            for tube in added.sorted() {
                let properties = snapshot.tubes[tube].map { ControlSnapshot.allQueueProperties($0, pool: snapshot.pools[tube]) }
                connection.export(QueueInterface.make(tube: tube, context), at: ControlNames.queuePath(tube), properties: properties)
            }
            return (managerChanges, queueChanges)
        }
        for (tube, changed) in queueChanges.sorted(by: { $0.key < $1.key }) {
            connection.emitPropertiesChanged(ControlNames.queuePath(tube), ControlNames.queue, changed: changed)
        }
        if !managerChanges.isEmpty {
            connection.emitPropertiesChanged(ControlNames.managerPath, ControlNames.manager, changed: managerChanges)
        }
    }
}

/// What the interfaces' handlers share.
struct ControlContext: Sendable {
    let host: any ControlEngine
    let pool: any PoolControl
    let authorizer: Authorizer
    let version: String
    let durability: String
    let startedAt = ContinuousClock.now

    /// A read of the queue's summary (no tube's statistics) and the pools' status.
    func read<Value>(_ body: (QueueSnapshot, [PoolFigures]) throws -> Value) async throws -> Value {
        try body(try await host.summary(), try await pool.figures())
    }

    /// A read of one tube's statistics and its pool's; `NoSuchQueue` when the tube is gone.
    func readTube<Value>(_ tube: String, _ body: (TubeStats, PoolFigures?) -> Value?) async throws -> Value {
        let status = try await pool.figures().first { $0.tube == tube }
        guard let stats = try await host.tubeStats(tube), let value = body(stats, status) else {
            throw ControlNames.Errors.noSuchQueue(tube)
        }
        return value
    }

    /// A change to the worker pool, after checking that the caller may make it.
    func changePool(_ call: MethodCall, _ action: String, _ body: (any PoolControl) async throws -> Void) async throws {
        try await authorizer.requireAdmin(call, to: action)
        do {
            try await body(pool)
        } catch let error as PoolControlError {
            switch error {
            case .noSuchPool(let reason): throw ControlNames.Errors.noWorkerPool(reason)
            case .badWorkerCount(let reason): throw DBusError.invalidArgs(reason)
            }
        }
    }

    /// A change, after checking that the caller may make it; returns once the change is durable.
    func change<T: Sendable>(_ call: MethodCall, _ action: String, _ body: (any ControlEngine) async throws -> T) async throws -> T {
        try await authorizer.requireAdmin(call, to: action)
        do {
            return try await body(host)
        } catch let error as StoreUnavailableError {
            throw ControlNames.Errors.storeUnavailable(error.description)
        }
    }
}
