import DBus

/// The names under which spoold is found on the bus.
public enum ControlNames {
    /// The bus name spoold owns.
    public static let busName: BusName = "org.spool.Spool1"
    /// The manager object.
    public static let managerPath: ObjectPath = "/org/spool/Spool1"
    /// The parent of the queue objects, one per tube.
    public static let queuesPath: ObjectPath = "/org/spool/Spool1/queue"
    /// The manager's interface.
    public static let manager: InterfaceName = "org.spool.Spool1.Manager"
    /// A queue's interface.
    public static let queue: InterfaceName = "org.spool.Spool1.Queue"
    /// The group whose members may change Spool over D-Bus (root may too).
    public static let adminGroup = "spool-admin"
    /// The group whose members may use the queue and read its state over D-Bus.
    public static let readerGroup = "spool"

    /// The object path of the queue for `tube`: its name escaped as one path element.
    public static func queuePath(_ tube: String) -> ObjectPath {
        // An escaped element is always valid, so this cannot fail.
        (try? queuesPath.appending(ObjectPath.escapedElement(tube))) ?? queuesPath
    }
}
