import DBus

/// A call to spoold that failed: the member called, on which object, and
/// the D-Bus error spoold, the bus or the connection answered with (or
/// `Failed`, when spoold's reply is not what the member declares).
public struct ControlCallError: Error, Sendable, CustomStringConvertible {
    /// The method called (`GetAll` or `Get` for a property read).
    public let member: MemberName
    /// The object called.
    public let path: ObjectPath
    /// The error.
    public let error: DBusError

    /// Describes a failed call.
    public init(member: MemberName, path: ObjectPath, error: DBusError) {
        self.member = member
        self.path = path
        self.error = error
    }

    /// `Kick on /org/spool/Spool1/queue/mail: org.spool.Spool1.Error.NoSuchQueue: …`.
    public var description: String { "\(member) on \(path): \(error)" }
}
