/// The standard interfaces every exported object has, answered before the
/// object's own: Introspectable, Properties, and ObjectManager at manager
/// roots. (libdbus itself answers `org.freedesktop.DBus.Peer`.)
enum StandardInterfaces {
    /// The standard interfaces' answer, or `nil` when the call is not for one.
    static func answer(
        _ message: Message, path: ObjectPath, member: MemberName, server: ObjectServer, connection: Connection
    ) async throws -> [DBusValue]? {
        switch message.interface ?? standardInterface(of: member) {
        case IntrospectableInterface.name?:
            return try IntrospectableInterface.answer(member, message: message, path: path, server: server)
        case PropertiesInterface.name?:
            return try await PropertiesInterface.answer(member, message: message, path: path, server: server, connection: connection)
        case ObjectManagerInterface.name? where server.isManager(path):
            return try await ObjectManagerInterface.answer(member, message: message, path: path, server: server)
        default:
            return nil
        }
    }

    /// The standard interface a call without an interface field means by
    /// `member` (the field is optional in method calls).
    private static func standardInterface(of member: MemberName) -> InterfaceName? {
        switch member.rawValue {
        case "Introspect": IntrospectableInterface.name
        case "Get", "GetAll", "Set": PropertiesInterface.name
        case "GetManagedObjects": ObjectManagerInterface.name
        default: nil
        }
    }

    /// Refuses a call whose arguments do not have `expected` signature.
    static func check(_ message: Message, _ expected: Signature) throws {
        guard message.signature == expected else {
            throw DBusError.invalidArgs("\(message.member?.rawValue ?? "the method") takes '\(expected)', not '\(message.signature)'")
        }
    }
}
