import CDBus

/// A D-Bus type signature such as `a{sv}` or `(sut)`, validated: zero or more
/// complete types.
public struct Signature: ValidatedName {
    /// The signature text.
    public let rawValue: String

    /// Validates `rawValue` as a sequence of complete types.
    public init(_ rawValue: String) throws {
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        defer { dbus_error_free(&error) }
        guard dbus_signature_validate(rawValue, &error) != 0 else {
            throw InvalidNameError(text: rawValue, reason: "signature (\(error.message.map { String(cString: $0) } ?? "rejected"))")
        }
        self.rawValue = rawValue
    }

    /// The empty signature: no values.
    public static let empty: Signature = ""

    /// Whether this is exactly one complete type (what an array element, a
    /// variant's content or a property needs).
    public var isSingleCompleteType: Bool {
        dbus_signature_validate_single(rawValue, nil) != 0
    }

    /// The concatenation of signatures.
    public static func + (lhs: Signature, rhs: Signature) -> Signature {
        Signature(unchecked: lhs.rawValue + rhs.rawValue)
    }

    /// A signature known to be valid (built from valid parts).
    init(unchecked rawValue: String) {
        self.rawValue = rawValue
    }
}
