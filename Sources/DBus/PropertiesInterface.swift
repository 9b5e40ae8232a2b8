/// `org.freedesktop.DBus.Properties`: `Get`, `GetAll` and `Set` over the
/// properties an object's interfaces declare. `PropertiesChanged` is emitted
/// with ``Connection/emitPropertiesChanged(_:_:changed:invalidated:)``.
public enum PropertiesInterface {
    /// `org.freedesktop.DBus.Properties`.
    public static let name: InterfaceName = "org.freedesktop.DBus.Properties"
    /// `Get(s interface_name, s property_name) → v value`.
    public static let get: MemberName = "Get"
    /// `GetAll(s interface_name) → a{sv} props`.
    public static let getAll: MemberName = "GetAll"
    /// `Set(s interface_name, s property_name, v value)`.
    public static let set: MemberName = "Set"
    /// The signal `PropertiesChanged(s interface_name, a{sv} changed_properties, as invalidated_properties)`.
    public static let propertiesChanged: MemberName = "PropertiesChanged"

    static func answer(
        _ member: MemberName, message: Message, path: ObjectPath, server: ObjectServer, connection: Connection
    ) async throws -> [DBusValue] {
        guard let interfaces = server.interfaces(at: path) else { throw DBusError.unknownObject("no object at \(path)") }
        func interface(_ value: DBusValue) throws -> Interface {
            guard case .string(let text) = value, let name = try? InterfaceName(text), let interface = interfaces[name] else {
                throw DBusError.unknownInterface("\(path) has no interface \(value)")
            }
            return interface
        }
        func property(_ interface: Interface, _ value: DBusValue) throws -> Property {
            guard case .string(let text) = value, let name = try? MemberName(text), let property = interface.property(name) else {
                throw DBusError.unknownProperty("\(interface.name) has no property \(value)")
            }
            return property
        }
        switch member {
        case get:
            try StandardInterfaces.check(message, "ss")
            let arguments = try message.arguments()
            let found = try property(try interface(arguments[0]), arguments[1])
            return [.variant(try await found.get())]
        case getAll:
            try StandardInterfaces.check(message, "s")
            let arguments = try message.arguments()
            return [try await interface(arguments[0]).allProperties()]
        case set:
            try StandardInterfaces.check(message, "ssv")
            let arguments = try message.arguments()
            defer { ObjectServer.closeDescriptors(in: arguments) }
            let owner = try interface(arguments[0])
            let found = try property(owner, arguments[1])
            guard let set = found.set else { throw DBusError.propertyReadOnly("\(owner.name).\(found.name) is read-only") }
            guard case .variant(let value) = arguments[2] else { throw DBusError.invalidArgs("Set takes a variant") }
            guard value.signature == found.signature else {
                throw DBusError.invalidArgs("\(owner.name).\(found.name) is '\(found.signature)', not '\(value.signature)'")
            }
            try await set(value, MethodCall(message: message, arguments: arguments, connection: connection))
            return []
        default:
            throw DBusError.unknownMethod("\(name) has no method \(member)")
        }
    }
}
