// A small D-Bus service built on the DBus module: org.example.Counter1 at
// /org/example/Counter1 with a method, a read-write property announced with
// PropertiesChanged, and a signal. See Examples/dbus/README.md.
//
// usage: dbus-counter-example [ADDRESS]   (the session bus when none is given)
import DBus
import Synchronization

let connection = try Connection(CommandLine.arguments.count > 1 ? .address(CommandLine.arguments[1]) : .session)
let path: ObjectPath = "/org/example/Counter1"
let interface: InterfaceName = "org.example.Counter1"
let count = Mutex<UInt64>(0)

/// Sets the count, then announces it: the PropertiesChanged signal, and
/// Reached when it hits a multiple of ten.
@Sendable func store(_ value: UInt64) throws {
    count.withLock { $0 = value }
    connection.emitPropertiesChanged(path, interface, changed: ["Count": .uint64(value)])
    if value > 0, value % 10 == 0 {
        try connection.emit(path, interface, "Reached", [.uint64(value)])
    }
}

connection.export(Interface(interface, methods: [
    Method("Increment", inputs: [Argument("by", "t")], outputs: [Argument("count", "t")]) { call in
        guard case .uint64(let step) = call.arguments[0] else { return [] }
        let (value, overflow) = count.withLock { $0 }.addingReportingOverflow(step)
        guard !overflow else { throw DBusError("org.example.Counter1.Error.Overflow", "the count would overflow") }
        try store(value)
        return [.uint64(value)]
    },
], properties: [
    Property("Count", "t", get: { .uint64(count.withLock { $0 }) }, set: { value, _ in
        guard case .uint64(let new) = value else { return }
        try store(new)
    }),
], signals: [
    SignalDescription("Reached", arguments: [Argument("count", "t")]),
]), at: path)
try await connection.requestName("org.example.Counter1")
print("serving org.example.Counter1 as \(connection.uniqueName)")
while !connection.isClosed {
    try await Task.sleep(for: .seconds(1))
}
