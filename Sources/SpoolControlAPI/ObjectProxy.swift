import DBus

/// What ``Manager`` and ``Queue`` share: calls to one interface of one of
/// spoold's objects, whose failures are ``ControlCallError``s and whose
/// replies are checked against the declarations.
struct ObjectProxy: Sendable {
    /// The connection the calls go on.
    let connection: Connection
    /// spoold's bus name.
    let destination: BusName
    /// The object.
    let path: ObjectPath
    /// The interface the declarations belong to.
    let interface: InterfaceName

    /// Calls `method`; returns its reply, which has the declared signature.
    @discardableResult
    func call(_ method: MethodDeclaration, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
        let reply = try await call(interface, method.name, arguments)
        guard signature(of: reply) == method.outputSignature else { throw unexpected(reply, from: method.name) }
        return reply
    }

    /// Calls `method`, which returns one value, and decodes it.
    func call<Value: DBusDecodable>(_ method: MethodDeclaration, _ arguments: [DBusValue] = [], as type: Value.Type = Value.self) async throws -> Value {
        let reply = try await call(method, arguments)
        guard let first = reply.first, let value = Value(dbusValue: first) else { throw unexpected(reply, from: method.name) }
        return value
    }

    /// Reads `property` (`Properties.Get`) and decodes it.
    func get<Value: DBusDecodable>(_ property: PropertyDeclaration, as type: Value.Type = Value.self) async throws -> Value {
        let reply = try await call(PropertiesInterface.name, PropertiesInterface.get, [.string(interface.rawValue), .string(property.name.rawValue)])
        guard reply.first?.unwrapped.signature == property.signature, let value = reply.first.flatMap({ Value(dbusValue: $0.unwrapped) }) else {
            throw unexpected(reply, from: PropertiesInterface.get)
        }
        return value
    }

    /// Every property of the interface (`Properties.GetAll`), by name.
    func getAll() async throws -> [String: DBusValue] {
        let reply = try await call(PropertiesInterface.name, PropertiesInterface.getAll, [.string(interface.rawValue)])
        guard let properties = reply.first?.vardictValue else { throw unexpected(reply, from: PropertiesInterface.getAll) }
        return properties
    }

    /// Calls `member` of `interface` on the object.
    func call(_ interface: InterfaceName, _ member: MemberName, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
        do {
            return try await connection.call(destination, path, interface, member, arguments)
        } catch let error as DBusError {
            throw ControlCallError(member: member, path: path, error: error)
        }
    }

    /// The failure of a call whose reply is not what `member` declares.
    func unexpected(_ reply: [DBusValue], from member: MemberName) -> ControlCallError {
        ControlCallError(member: member, path: path, error: .failed("spoold answered \(member) with \(reply)"))
    }
}
