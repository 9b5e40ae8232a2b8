import DBus
import SpoolControlAPI

/// spoold's control plane on D-Bus, as typed calls whose errors are
/// already ``CommandFailure``s.
struct ControlClient {
    /// The bus connection.
    let connection: Connection

    /// `Manager.Status()`: the daemon's state and counters.
    func status() async throws -> [String: DBusValue] {
        let reply = try await callManager("Status")
        return Self.properties(reply.first)
    }

    /// Every queue object's properties (ObjectManager's `GetManagedObjects`),
    /// sorted by tube name.
    func queues() async throws -> [Queue] {
        let reply = try await call(ControlNames.managerPath, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", [], tube: nil)
        guard case .dictionary(_, _, let objects)? = reply.first else { return [] }
        return objects.compactMap { entry -> Queue? in
            guard case .objectPath(let path) = entry.key, case .dictionary(_, _, let interfaces) = entry.value,
                let queue = interfaces.first(where: { $0.key == .string(ControlNames.queue.rawValue) })
            else { return nil }
            return Queue(path: path, properties: Self.properties(queue.value))
        }.sorted { $0.name < $1.name }
    }

    /// One queue's properties.
    func queue(_ tube: String) async throws -> Queue {
        let path = ControlNames.queuePath(tube)
        let reply = try await call(path, "org.freedesktop.DBus.Properties", "GetAll", [.string(ControlNames.queue.rawValue)], tube: tube)
        return Queue(path: path, properties: Self.properties(reply.first))
    }

    /// Calls a method of the manager.
    @discardableResult
    func callManager(_ member: MemberName, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
        try await call(ControlNames.managerPath, ControlNames.manager, member, arguments, tube: nil)
    }

    /// Calls a method of `tube`'s queue object.
    @discardableResult
    func callQueue(_ tube: String, _ member: MemberName, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
        try await call(ControlNames.queuePath(tube), ControlNames.queue, member, arguments, tube: tube)
    }

    /// Calls `member` of `tube`'s queue object, or of the manager when `tube` is nil.
    func call(_ member: MemberName, on tube: String?) async throws {
        if let tube {
            try await callQueue(tube, member)
        } else {
            try await callManager(member)
        }
    }

    private func call(
        _ path: ObjectPath, _ interface: InterfaceName, _ member: MemberName, _ arguments: [DBusValue], tube: String?
    ) async throws -> [DBusValue] {
        do {
            return try await connection.call(ControlNames.busName, path, interface, member, arguments)
        } catch let error as DBusError {
            throw CommandFailure(error, member: member.rawValue, tube: tube)
        }
    }

    /// An `a{sv}` as a dictionary of unwrapped values.
    static func properties(_ value: DBusValue?) -> [String: DBusValue] {
        guard case .dictionary(_, _, let entries)? = value else { return [:] }
        var properties: [String: DBusValue] = [:]
        for entry in entries {
            if case .string(let key) = entry.key { properties[key] = entry.value.unwrapped }
        }
        return properties
    }
}
