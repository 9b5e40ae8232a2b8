import DBus

/// spoold's manager object (``ManagerAPI``) as typed, asynchronous calls.
/// Every failure is a ``ControlCallError``.
///
/// ```swift
/// let manager = Manager(try Connection(.system))
/// try await manager.stop()
/// print(try await manager.state)
/// ```
public struct Manager: Sendable {
    private let proxy: ObjectProxy

    /// The manager of the spoold that owns `destination` on `connection`'s bus.
    public init(_ connection: Connection, destination: BusName = ControlNames.busName) {
        proxy = ObjectProxy(connection: connection, destination: destination, path: ControlNames.managerPath, interface: ControlNames.manager)
    }

    /// The connection the calls go on.
    public var connection: Connection { proxy.connection }

    /// The queue of `tube`, on the same connection and spoold.
    public func queue(_ tube: String) -> Queue {
        Queue(proxy.connection, tube: tube, destination: proxy.destination)
    }

    // MARK: Methods

    /// ``ManagerAPI/start``: reserve commands and every worker pool get jobs again.
    public func start() async throws {
        try await proxy.call(ManagerAPI.start)
    }

    /// ``ManagerAPI/stop``: reserve commands wait and every worker pool holds.
    public func stop() async throws {
        try await proxy.call(ManagerAPI.stop)
    }

    /// ``ManagerAPI/status``: every property, and ``ManagerAPI/uptimeSeconds``, by name.
    public func status() async throws -> [String: DBusValue] {
        try await proxy.call(ManagerAPI.status)
    }

    /// ``ManagerAPI/listQueues``: each tube and its queue object, sorted by tube name.
    public func listQueues() async throws -> [(tube: String, path: ObjectPath)] {
        let reply = try await proxy.call(ManagerAPI.listQueues)
        guard case .array(_, let entries)? = reply.first else { throw proxy.unexpected(reply, from: ManagerAPI.listQueues.name) }
        return try entries.map { entry in
            guard case .structure(let fields) = entry, fields.count == 2, case .string(let tube) = fields[0], case .objectPath(let path) = fields[1] else {
                throw proxy.unexpected(reply, from: ManagerAPI.listQueues.name)
            }
            return (tube, path)
        }
    }

    /// ``ManagerAPI/reload``: reads the queue files again; returns the problems found, one line each.
    public func reload() async throws -> [String] {
        try await proxy.call(ManagerAPI.reload)
    }

    /// Every queue object with its ``QueueAPI`` properties by name, from the
    /// object manager at the manager's path (`GetManagedObjects`).
    public func queues() async throws -> [ObjectPath: [String: DBusValue]] {
        let member = ObjectManagerInterface.getManagedObjects
        let reply = try await proxy.call(ObjectManagerInterface.name, member)
        guard case .dictionary(_, _, let objects)? = reply.first else { throw proxy.unexpected(reply, from: member) }
        var queues: [ObjectPath: [String: DBusValue]] = [:]
        for object in objects {
            guard case .objectPath(let path) = object.key, case .dictionary(_, _, let interfaces) = object.value else {
                throw proxy.unexpected(reply, from: member)
            }
            if let queue = interfaces.first(where: { $0.key == .string(ControlNames.queue.rawValue) }) {
                queues[path] = queue.value.vardictValue ?? [:]
            }
        }
        return queues
    }

    // MARK: Properties

    /// Every property, by name (`GetAll`).
    public func allProperties() async throws -> [String: DBusValue] {
        try await proxy.getAll()
    }

    /// ``ManagerAPI/version``.
    public var version: String { get async throws { try await proxy.get(ManagerAPI.version) } }
    /// ``ManagerAPI/durability``.
    public var durability: String { get async throws { try await proxy.get(ManagerAPI.durability) } }
    /// ``ManagerAPI/state``.
    public var state: String { get async throws { try await proxy.get(ManagerAPI.state) } }
    /// ``ManagerAPI/jobsUrgent``.
    public var jobsUrgent: UInt64 { get async throws { try await proxy.get(ManagerAPI.jobsUrgent) } }
    /// ``ManagerAPI/jobsReady``.
    public var jobsReady: UInt64 { get async throws { try await proxy.get(ManagerAPI.jobsReady) } }
    /// ``ManagerAPI/jobsReserved``.
    public var jobsReserved: UInt64 { get async throws { try await proxy.get(ManagerAPI.jobsReserved) } }
    /// ``ManagerAPI/jobsDelayed``.
    public var jobsDelayed: UInt64 { get async throws { try await proxy.get(ManagerAPI.jobsDelayed) } }
    /// ``ManagerAPI/jobsBuried``.
    public var jobsBuried: UInt64 { get async throws { try await proxy.get(ManagerAPI.jobsBuried) } }
    /// ``ManagerAPI/connections``.
    public var connections: UInt32 { get async throws { try await proxy.get(ManagerAPI.connections) } }
    /// ``ManagerAPI/tubes``.
    public var tubes: UInt32 { get async throws { try await proxy.get(ManagerAPI.tubes) } }
    /// ``ManagerAPI/workers``.
    public var workers: UInt32 { get async throws { try await proxy.get(ManagerAPI.workers) } }
    /// ``ManagerAPI/workersBusy``.
    public var workersBusy: UInt32 { get async throws { try await proxy.get(ManagerAPI.workersBusy) } }
    /// ``ManagerAPI/workersIdle``.
    public var workersIdle: UInt32 { get async throws { try await proxy.get(ManagerAPI.workersIdle) } }
}
