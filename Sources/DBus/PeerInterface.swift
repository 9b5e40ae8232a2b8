import CDBus

/// `org.freedesktop.DBus.Peer`: `Ping` and `GetMachineId`, on every path.
enum PeerInterface {
    static let name: InterfaceName = "org.freedesktop.DBus.Peer"

    static func answer(_ member: MemberName, message: Message) throws -> [DBusValue] {
        switch member {
        case "Ping":
            try StandardInterfaces.check(message, "")
            return []
        case "GetMachineId":
            try StandardInterfaces.check(message, "")
            guard let id = dbus_try_get_local_machine_id(nil) else { throw DBusError.failed("no machine id") }
            defer { dbus_free(id) }
            return [.string(String(cString: id))]
        default:
            throw DBusError.unknownMethod("\(name) has no method \(member)")
        }
    }
}
