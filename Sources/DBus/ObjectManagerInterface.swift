/// `org.freedesktop.DBus.ObjectManager` at the roots set with
/// ``Connection/addObjectManager(at:)``: `GetManagedObjects`, and the
/// `InterfacesAdded` / `InterfacesRemoved` signals as objects come and go.
public enum ObjectManagerInterface {
    /// `org.freedesktop.DBus.ObjectManager`.
    public static let name: InterfaceName = "org.freedesktop.DBus.ObjectManager"
    /// `GetManagedObjects() → a{oa{sa{sv}}} object_paths_interfaces_and_properties`.
    public static let getManagedObjects: MemberName = "GetManagedObjects"
    /// The signal `InterfacesAdded(o object_path, a{sa{sv}} interfaces_and_properties)`.
    public static let interfacesAdded: MemberName = "InterfacesAdded"
    /// The signal `InterfacesRemoved(o object_path, as interfaces)`.
    public static let interfacesRemoved: MemberName = "InterfacesRemoved"

    static func answer(_ member: MemberName, message: Message, path: ObjectPath, server: ObjectServer) async throws -> [DBusValue] {
        guard member == getManagedObjects else { throw DBusError.unknownMethod("\(name) has no method \(member)") }
        try StandardInterfaces.check(message, "")
        var entries: [DBusValue.DictionaryEntry] = []
        for (object, interfaces) in server.objects(below: path) {
            // An object whose properties cannot be read now (it is going
            // away) is left out rather than failing the whole answer.
            guard let properties = try? await properties(of: interfaces) else { continue }
            entries.append(.init(.objectPath(object), properties))
        }
        return [.dictionary(key: "o", value: "a{sa{sv}}", entries)]
    }

    /// `a{sa{sv}}`: each interface with all its properties.
    static func properties(of interfaces: [Interface]) async throws -> DBusValue {
        var entries: [DBusValue.DictionaryEntry] = []
        for interface in interfaces {
            entries.append(.init(.string(interface.name.rawValue), try await interface.allProperties()))
        }
        return .dictionary(key: "s", value: "a{sv}", entries)
    }

}
