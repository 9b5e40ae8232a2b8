import CDBus

/// A name or path that D-Bus would reject.
public struct InvalidNameError: Error, CustomStringConvertible, Equatable {
    /// The rejected text.
    public let text: String
    /// What kind of name it was meant to be and why it is invalid.
    public let reason: String

    /// `invalid object path "x": ...`.
    public var description: String { "invalid \(reason): \"\(text)\"" }
}

/// Validates `text` with one of libdbus's `dbus_validate_*` functions.
private func validate(
    _ text: String, _ kind: String,
    _ validator: (UnsafePointer<CChar>?, UnsafeMutablePointer<CDBus.DBusError>?) -> dbus_bool_t
) throws {
    var error = CDBus.DBusError()
    dbus_error_init(&error)
    defer { dbus_error_free(&error) }
    guard text.withCString({ validator($0, &error) }) != 0 else {
        let message = error.message.map { String(cString: $0) } ?? "rejected by libdbus"
        throw InvalidNameError(text: text, reason: "\(kind) (\(message))")
    }
}

/// A validated D-Bus name: a string libdbus accepts for its kind.
public protocol ValidatedName: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The text.
    var rawValue: String { get }
    /// Validates `rawValue`, throwing ``InvalidNameError`` when libdbus rejects it.
    init(_ rawValue: String) throws
}

extension ValidatedName {
    /// A name written in the source; an invalid literal is a programming error.
    public init(stringLiteral value: String) {
        do { try self.init(value) } catch { preconditionFailure("\(error)") }
    }

    /// The text.
    public var description: String { rawValue }
}

extension ValidatedName where Self: Comparable {
    /// Orders names by their text.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An object path such as `/org/spool/Spool1`, validated.
public struct ObjectPath: ValidatedName, Comparable {
    /// The path.
    public let rawValue: String

    /// Validates `rawValue`.
    public init(_ rawValue: String) throws {
        try validate(rawValue, "object path", dbus_validate_path)
        self.rawValue = rawValue
    }

    /// The root path, `/`.
    public static let root: ObjectPath = "/"

    /// `self` followed by one more element, which must be a valid element
    /// (see ``escapedElement(_:)``).
    public func appending(_ element: String) throws -> ObjectPath {
        try ObjectPath(rawValue == "/" ? "/" + element : rawValue + "/" + element)
    }

    /// Whether `self` is `ancestor` or lies below it.
    public func isDescendant(of ancestor: ObjectPath) -> Bool {
        ancestor.rawValue == "/" || rawValue == ancestor.rawValue || rawValue.hasPrefix(ancestor.rawValue + "/")
    }

    /// An arbitrary string as one path element, the way systemd escapes unit
    /// names: ASCII letters and digits stay, every other byte becomes `_XX`
    /// (two lowercase hex digits); the empty string becomes `_`.
    public static func escapedElement(_ text: String) -> String {
        guard !text.isEmpty else { return "_" }
        var escaped = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                escaped.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = String(byte, radix: 16)
                escaped += "_" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return escaped
    }
}


/// A bus name, unique (`:1.42`) or well-known (`org.spool.Spool1`), validated.
public struct BusName: ValidatedName {
    /// The name.
    public let rawValue: String

    /// Validates `rawValue`.
    public init(_ rawValue: String) throws {
        try validate(rawValue, "bus name", dbus_validate_bus_name)
        self.rawValue = rawValue
    }
}

/// An interface name such as `org.spool.Spool1.Manager`, validated.
public struct InterfaceName: ValidatedName, Comparable {
    /// The name.
    public let rawValue: String

    /// Validates `rawValue`.
    public init(_ rawValue: String) throws {
        try validate(rawValue, "interface name", dbus_validate_interface)
        self.rawValue = rawValue
    }
}

/// A method, signal or property name such as `Start`, validated.
public struct MemberName: ValidatedName, Comparable {
    /// The name.
    public let rawValue: String

    /// Validates `rawValue`.
    public init(_ rawValue: String) throws {
        try validate(rawValue, "member name", dbus_validate_member)
        self.rawValue = rawValue
    }
}

/// An error name such as `org.freedesktop.DBus.Error.AccessDenied`, validated.
public struct ErrorName: ValidatedName {
    /// The name.
    public let rawValue: String

    /// Validates `rawValue`.
    public init(_ rawValue: String) throws {
        try validate(rawValue, "error name", dbus_validate_error_name)
        self.rawValue = rawValue
    }
}
