/// A named, typed argument of a method or signal, for signature checks and
/// introspection.
public struct Argument: Sendable, Equatable {
    /// The argument's name, shown by introspection.
    public var name: String
    /// The argument's complete type.
    public var signature: Signature

    /// Describes an argument.
    public init(_ name: String, _ signature: Signature) {
        self.name = name
        self.signature = signature
    }
}

extension [Argument] {
    /// The signature of the values the arguments describe, in order.
    var signature: Signature { Signature(unchecked: map(\.signature.rawValue).joined()) }
}

/// A method of an exported interface.
public struct Method: Sendable {
    /// What a method handler gets: the call and who made it.
    public typealias Handler = @Sendable (MethodCall) async throws -> [DBusValue]

    /// The method's name.
    public var name: MemberName
    /// Its arguments; a call with another signature is refused with `InvalidArgs`.
    public var inputs: [Argument]
    /// What it returns.
    public var outputs: [Argument]
    /// Runs the call, off the connection's thread; throw a ``DBusError`` to
    /// answer with that error.
    public var handler: Handler

    /// Describes a method.
    public init(_ name: MemberName, inputs: [Argument] = [], outputs: [Argument] = [], handler: @escaping Handler) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.handler = handler
    }

    /// Implements a declared method.
    public init(_ declaration: MethodDeclaration, handler: @escaping Handler) {
        self.init(declaration.name, inputs: declaration.inputs, outputs: declaration.outputs, handler: handler)
    }

    var inputSignature: Signature { inputs.signature }
    var outputSignature: Signature { outputs.signature }
}

/// A property of an exported interface.
public struct Property: Sendable {
    /// How `PropertiesChanged` reports changes of the property
    /// (`org.freedesktop.DBus.Property.EmitsChangedSignal`).
    public enum ChangeEmission: String, Sendable {
        /// Changes are announced with the new value.
        case `true`
        /// Changes are announced without the value.
        case invalidates
        /// The value never changes while the object exists.
        case const
        /// Changes are not announced.
        case `false`
    }

    /// The property's name.
    public var name: MemberName
    /// Its complete type.
    public var signature: Signature
    /// How its changes are announced.
    public var emitsChange: ChangeEmission
    /// Reads the value.
    public var get: @Sendable () async throws -> DBusValue
    /// Writes the value; `nil` for a read-only property (`PropertyReadOnly`).
    public var set: (@Sendable (DBusValue, MethodCall) async throws -> Void)?

    /// Describes a property.
    public init(
        _ name: MemberName, _ signature: Signature, emitsChange: ChangeEmission = .true,
        get: @escaping @Sendable () async throws -> DBusValue,
        set: (@Sendable (DBusValue, MethodCall) async throws -> Void)? = nil
    ) {
        self.name = name
        self.signature = signature
        self.emitsChange = emitsChange
        self.get = get
        self.set = set
    }

    /// Implements a declared property.
    public init(
        _ declaration: PropertyDeclaration,
        get: @escaping @Sendable () async throws -> DBusValue,
        set: (@Sendable (DBusValue, MethodCall) async throws -> Void)? = nil
    ) {
        self.init(declaration.name, declaration.signature, emitsChange: declaration.emitsChange, get: get, set: set)
    }
}

/// A signal an exported interface may emit, for introspection; also what a
/// contract declares of a signal: its name and its arguments.
public struct SignalDescription: Sendable {
    /// The signal's name.
    public var name: MemberName
    /// Its arguments.
    public var arguments: [Argument]

    /// Describes a signal.
    public init(_ name: MemberName, arguments: [Argument] = []) {
        self.name = name
        self.arguments = arguments
    }
}

/// An interface an object exports: its methods, properties and signals.
public struct Interface: Sendable {
    /// The interface's name.
    public var name: InterfaceName
    /// Its methods.
    public var methods: [Method]
    /// Its properties.
    public var properties: [Property]
    /// Its signals.
    public var signals: [SignalDescription]
    /// Every property's value at once, for `GetAll` and `GetManagedObjects`,
    /// where one read costs less than one per property; nil: each property's
    /// getter is asked.
    public var readAll: (@Sendable () async throws -> [String: DBusValue])?

    /// Describes an interface.
    public init(
        _ name: InterfaceName, methods: [Method] = [], properties: [Property] = [], signals: [SignalDescription] = [],
        readAll: (@Sendable () async throws -> [String: DBusValue])? = nil
    ) {
        self.name = name
        self.methods = methods
        self.properties = properties
        self.signals = signals
        self.readAll = readAll
    }

    func method(_ name: MemberName) -> Method? { methods.first { $0.name == name } }
    func property(_ name: MemberName) -> Property? { properties.first { $0.name == name } }

    /// Every readable property's value, for `GetAll` and `ObjectManager`.
    func allProperties() async throws -> DBusValue {
        if let readAll { return .vardict(try await readAll()) }
        var values: [String: DBusValue] = [:]
        for property in properties {
            values[property.name.rawValue] = try await property.get()
        }
        return .vardict(values)
    }
}

/// An incoming method call, as a handler sees it.
public struct MethodCall: Sendable {
    /// The message.
    public let message: Message
    /// Its arguments, already checked against the method's signature.
    public let arguments: [DBusValue]
    /// The connection it arrived on.
    public let connection: Connection

    /// The caller's unique bus name.
    public var sender: String { message.sender ?? "" }

    /// The caller's user and groups, as the bus knows them.
    public func credentials() async throws -> Credentials {
        try await connection.credentials(of: sender)
    }
}

/// Who a caller is, as the bus daemon reports it (`GetConnectionCredentials`).
public struct Credentials: Sendable, Equatable {
    /// The Unix user id.
    public var userID: UInt32
    /// The Unix group ids, when the bus knows them.
    public var groupIDs: [UInt32]
    /// The process id, when the bus knows it.
    public var processID: UInt32?

    /// Describes a caller.
    public init(userID: UInt32, groupIDs: [UInt32], processID: UInt32?) {
        self.userID = userID
        self.groupIDs = groupIDs
        self.processID = processID
    }
}
