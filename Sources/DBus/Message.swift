import CDBus

/// A D-Bus message: a method call, a reply, an error or a signal, with typed
/// arguments.
public final class Message: @unchecked Sendable {
    /// The four kinds of message.
    public enum Kind: Sendable {
        case methodCall
        case methodReturn
        case error
        case signal
    }

    /// libdbus's message; this object holds one reference to it.
    let raw: OpaquePointer

    /// Wraps a message whose reference the caller hands over.
    init(taking raw: OpaquePointer) {
        self.raw = raw
    }

    /// Wraps a message libdbus keeps a reference to (e.g. one being dispatched).
    init(retaining raw: OpaquePointer) {
        self.raw = dbus_message_ref(raw)
    }

    /// A message read from its wire form, as `dbus_message_marshal` writes it
    /// (a captured message, a fuzzer's input), checked by libdbus as it
    /// checks what arrives from the bus.
    /// - Throws: ``DBusError`` with what libdbus found wrong.
    public convenience init(marshalled bytes: [UInt8]) throws {
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        defer { dbus_error_free(&error) }
        let raw = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.flatMap { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    dbus_message_demarshal($0, Int32(clamping: buffer.count), &error)
                }
            }
        }
        guard let raw else { throw DBusError(libdbus: error, fallback: "not a D-Bus message") }
        self.init(taking: raw)
    }

    /// The message's wire form, which ``init(marshalled:)`` reads back. A
    /// message not sent yet has no serial; its wire form gets serial 1, as a
    /// message on the wire must have one.
    public func marshalled() -> [UInt8] {
        guard let copy = dbus_message_copy(raw) else { return [] }
        defer { dbus_message_unref(copy) }
        if dbus_message_get_serial(copy) == 0 { dbus_message_set_serial(copy, 1) }
        var bytes: UnsafeMutablePointer<CChar>?
        var count: Int32 = 0
        guard dbus_message_marshal(copy, &bytes, &count) != 0, let bytes else { return [] }
        defer { dbus_free(bytes) }
        return bytes.withMemoryRebound(to: UInt8.self, capacity: Int(count)) { Array(UnsafeBufferPointer(start: $0, count: Int(count))) }
    }

    deinit {
        dbus_message_unref(raw)
    }

    // MARK: Making messages

    /// A method call.
    public static func methodCall(
        destination: BusName?, path: ObjectPath, interface: InterfaceName?, member: MemberName, arguments: [DBusValue] = []
    ) throws -> Message {
        guard let raw = dbus_message_new_method_call(destination?.rawValue, path.rawValue, interface?.rawValue, member.rawValue) else {
            throw DBusError.failed("out of memory")
        }
        let message = Message(taking: raw)
        try message.append(arguments)
        return message
    }

    /// A signal.
    public static func signal(path: ObjectPath, interface: InterfaceName, member: MemberName, arguments: [DBusValue] = []) throws -> Message {
        guard let raw = dbus_message_new_signal(path.rawValue, interface.rawValue, member.rawValue) else {
            throw DBusError.failed("out of memory")
        }
        let message = Message(taking: raw)
        try message.append(arguments)
        return message
    }

    /// The successful reply to this method call.
    public func methodReturn(_ arguments: [DBusValue] = []) throws -> Message {
        guard let raw = dbus_message_new_method_return(raw) else { throw DBusError.failed("out of memory") }
        let message = Message(taking: raw)
        try message.append(arguments)
        return message
    }

    /// The error reply to this method call.
    public func errorReply(_ error: DBusError) -> Message? {
        dbus_message_new_error(raw, error.name.rawValue, error.message).map(Message.init(taking:))
    }

    // MARK: Header fields

    /// What kind of message this is; `nil` for a kind this library does not know.
    public var kind: Kind? {
        switch dbus_message_get_type(raw) {
        case DBUS_MESSAGE_TYPE_METHOD_CALL: .methodCall
        case DBUS_MESSAGE_TYPE_METHOD_RETURN: .methodReturn
        case DBUS_MESSAGE_TYPE_ERROR: .error
        case DBUS_MESSAGE_TYPE_SIGNAL: .signal
        default: nil
        }
    }

    /// The object path (calls and signals).
    public var path: ObjectPath? { dbus_message_get_path(raw).flatMap { try? ObjectPath(String(cString: $0)) } }
    /// The interface (calls, where optional, and signals).
    public var interface: InterfaceName? { dbus_message_get_interface(raw).flatMap { try? InterfaceName(String(cString: $0)) } }
    /// The method or signal name.
    public var member: MemberName? { dbus_message_get_member(raw).flatMap { try? MemberName(String(cString: $0)) } }
    /// The destination bus name, if any.
    public var destination: String? { dbus_message_get_destination(raw).map { String(cString: $0) } }
    /// The sender's unique bus name (set by the bus).
    public var sender: String? { dbus_message_get_sender(raw).map { String(cString: $0) } }
    /// The error's name (error replies).
    public var errorName: String? { dbus_message_get_error_name(raw).map { String(cString: $0) } }
    /// The arguments' signature.
    public var signature: Signature { Signature(unchecked: dbus_message_get_signature(raw).map { String(cString: $0) } ?? "") }
    /// The serial the sender gave this message.
    public var serial: UInt32 { dbus_message_get_serial(raw) }
    /// For replies: the serial of the call answered.
    public var replySerial: UInt32 { dbus_message_get_reply_serial(raw) }
    /// Whether the caller wants no reply.
    public var expectsReply: Bool { dbus_message_get_no_reply(raw) == 0 }

    // MARK: Arguments

    /// The message's arguments, read with their types. Each call hands out
    /// new duplicates of any Unix file descriptors, which the caller owns and
    /// must close.
    public func arguments() throws -> [DBusValue] {
        var iterator = DBusMessageIter()
        guard dbus_message_iter_init(raw, &iterator) != 0 else { return [] }
        var values: [DBusValue] = []
        repeat {
            values.append(try MessageReader.read(&iterator))
        } while dbus_message_iter_next(&iterator) != 0
        return values
    }

    /// Appends arguments.
    /// - Throws: ``DBusError/invalidArgs(_:)`` when a container holds a value of
    ///   another type than it declares, or a string holds a NUL character.
    func append(_ values: [DBusValue]) throws {
        var iterator = DBusMessageIter()
        dbus_message_iter_init_append(raw, &iterator)
        for value in values {
            try MessageWriter.append(value, to: &iterator)
        }
    }
}
