import CDBus

/// A named D-Bus error: what a method call answers when it fails, and what a
/// call throws when the other side answered with an error.
///
/// Throw one from a method or property handler to reply with that name and
/// message; any other error becomes `org.freedesktop.DBus.Error.Failed`.
public struct DBusError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The error's name.
    public let name: ErrorName
    /// A human-readable message.
    public let message: String

    /// Describes an error.
    public init(_ name: ErrorName, _ message: String) {
        self.name = name
        self.message = message
    }

    /// `name: message`.
    public var description: String { "\(name): \(message)" }

    /// The caller may not do this.
    public static func accessDenied(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.AccessDenied", message)
    }

    /// The arguments do not match the method's signature or are not acceptable.
    public static func invalidArgs(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.InvalidArgs", message)
    }

    /// No such method on the interface.
    public static func unknownMethod(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.UnknownMethod", message)
    }

    /// No object at the path.
    public static func unknownObject(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.UnknownObject", message)
    }

    /// The object has no such interface.
    public static func unknownInterface(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.UnknownInterface", message)
    }

    /// The interface has no such property.
    public static func unknownProperty(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.UnknownProperty", message)
    }

    /// The property cannot be written.
    public static func propertyReadOnly(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.PropertyReadOnly", message)
    }

    /// The service has as much to do as it takes at once.
    public static func limitsExceeded(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.LimitsExceeded", message)
    }

    /// A generic failure.
    public static func failed(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.Failed", message)
    }
}

extension DBusError {
    /// The error libdbus reported in `error`; `fallback` when it gave no message.
    init(libdbus error: CDBus.DBusError, fallback: String) {
        let name = error.name.flatMap { try? ErrorName(String(cString: $0)) } ?? "org.freedesktop.DBus.Error.Failed"
        self.init(name, error.message.map { String(cString: $0) } ?? fallback)
    }
}
