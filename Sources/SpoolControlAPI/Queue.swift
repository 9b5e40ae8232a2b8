import DBus

/// One tube's queue object (``QueueAPI``) as typed, asynchronous calls.
/// Every failure is a ``ControlCallError``; a tube that does not exist
/// answers `org.freedesktop.DBus.Error.UnknownObject` or
/// ``ControlNames/Errors/noSuchQueueName``.
public struct Queue: Sendable {
    private let proxy: ObjectProxy
    /// The tube.
    public let tube: String

    /// The queue of `tube` of the spoold that owns `destination` on `connection`'s bus.
    public init(_ connection: Connection, tube: String, destination: BusName = ControlNames.busName) {
        self.tube = tube
        proxy = ObjectProxy(connection: connection, destination: destination, path: ControlNames.queuePath(tube), interface: ControlNames.queue)
    }

    /// The queue object's path.
    public var path: ObjectPath { proxy.path }

    // MARK: Methods

    /// ``QueueAPI/pause``: no job of the tube is handed out for `seconds` (above 0).
    public func pause(seconds: UInt32) async throws {
        try await proxy.call(QueueAPI.pause, [.uint32(seconds)])
    }

    /// ``QueueAPI/resume``: ends a pause now.
    public func resume() async throws {
        try await proxy.call(QueueAPI.resume)
    }

    /// ``QueueAPI/kick``: up to `count` buried jobs (else delayed ones) back to ready; returns how many.
    public func kick(_ count: UInt32) async throws -> UInt32 {
        try await proxy.call(QueueAPI.kick, [.uint32(count)])
    }

    /// ``QueueAPI/purge``: deletes every job in `state`, for good; returns how many.
    public func purge(_ state: QueueAPI.PurgeState) async throws -> UInt32 {
        try await proxy.call(QueueAPI.purge, [.string(state.rawValue)])
    }

    /// ``QueueAPI/start``: the worker pool takes jobs again.
    public func start() async throws {
        try await proxy.call(QueueAPI.start)
    }

    /// ``QueueAPI/stop``: the worker pool takes no new job; running handlers finish.
    public func stop() async throws {
        try await proxy.call(QueueAPI.stop)
    }

    /// ``QueueAPI/setWorkers``: resizes the worker pool, within its bounds.
    public func setWorkers(_ count: UInt32) async throws {
        try await proxy.call(QueueAPI.setWorkers, [.uint32(count)])
    }

    // MARK: Properties

    /// Every property, by name (`GetAll`).
    public func allProperties() async throws -> [String: DBusValue] {
        try await proxy.getAll()
    }

    /// ``QueueAPI/name``.
    public var name: String { get async throws { try await proxy.get(QueueAPI.name) } }
    /// ``QueueAPI/pauseTimeLeft``.
    public var pauseTimeLeft: UInt64 { get async throws { try await proxy.get(QueueAPI.pauseTimeLeft) } }
    /// ``QueueAPI/jobsUrgent``.
    public var jobsUrgent: UInt64 { get async throws { try await proxy.get(QueueAPI.jobsUrgent) } }
    /// ``QueueAPI/jobsReady``.
    public var jobsReady: UInt64 { get async throws { try await proxy.get(QueueAPI.jobsReady) } }
    /// ``QueueAPI/jobsReserved``.
    public var jobsReserved: UInt64 { get async throws { try await proxy.get(QueueAPI.jobsReserved) } }
    /// ``QueueAPI/jobsDelayed``.
    public var jobsDelayed: UInt64 { get async throws { try await proxy.get(QueueAPI.jobsDelayed) } }
    /// ``QueueAPI/bytes``.
    public var bytes: UInt64 { get async throws { try await proxy.get(QueueAPI.bytes) } }
    /// ``QueueAPI/maxJobs``.
    public var maxJobs: UInt64 { get async throws { try await proxy.get(QueueAPI.maxJobs) } }
    /// ``QueueAPI/maxBytes``.
    public var maxBytes: UInt64 { get async throws { try await proxy.get(QueueAPI.maxBytes) } }
    /// ``QueueAPI/whenFull``.
    public var whenFull: String { get async throws { try await proxy.get(QueueAPI.whenFull) } }
    /// ``QueueAPI/putsWaiting``.
    public var putsWaiting: UInt32 { get async throws { try await proxy.get(QueueAPI.putsWaiting) } }
    /// ``QueueAPI/jobsBuried``.
    public var jobsBuried: UInt64 { get async throws { try await proxy.get(QueueAPI.jobsBuried) } }
    /// ``QueueAPI/totalJobs``.
    public var totalJobs: UInt64 { get async throws { try await proxy.get(QueueAPI.totalJobs) } }
    /// ``QueueAPI/deletes``.
    public var deletes: UInt64 { get async throws { try await proxy.get(QueueAPI.deletes) } }
    /// ``QueueAPI/using``.
    public var using: UInt32 { get async throws { try await proxy.get(QueueAPI.using) } }
    /// ``QueueAPI/watching``.
    public var watching: UInt32 { get async throws { try await proxy.get(QueueAPI.watching) } }
    /// ``QueueAPI/waiting``.
    public var waiting: UInt32 { get async throws { try await proxy.get(QueueAPI.waiting) } }
    /// ``QueueAPI/paused``.
    public var paused: Bool { get async throws { try await proxy.get(QueueAPI.paused) } }
    /// ``QueueAPI/pauseSeconds``.
    public var pauseSeconds: UInt64 { get async throws { try await proxy.get(QueueAPI.pauseSeconds) } }
    /// ``QueueAPI/poolState``.
    public var poolState: String { get async throws { try await proxy.get(QueueAPI.poolState) } }
    /// ``QueueAPI/workers``.
    public var workers: UInt32 { get async throws { try await proxy.get(QueueAPI.workers) } }
    /// ``QueueAPI/workersBusy``.
    public var workersBusy: UInt32 { get async throws { try await proxy.get(QueueAPI.workersBusy) } }
    /// ``QueueAPI/workersIdle``.
    public var workersIdle: UInt32 { get async throws { try await proxy.get(QueueAPI.workersIdle) } }
    /// ``QueueAPI/attempts``.
    public var attempts: UInt64 { get async throws { try await proxy.get(QueueAPI.attempts) } }
    /// ``QueueAPI/failures``.
    public var failures: UInt64 { get async throws { try await proxy.get(QueueAPI.failures) } }
    /// ``QueueAPI/averageRunTime``.
    public var averageRunTime: Double { get async throws { try await proxy.get(QueueAPI.averageRunTime) } }
}
