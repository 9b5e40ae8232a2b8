import DBus
import LibFuzzerDriver

/// Reads arbitrary bytes as a D-Bus message (libdbus checks the wire form,
/// as it checks what arrives from the bus) and then its arguments with the
/// DBus module's reader: nothing may crash, and a message whose arguments
/// read must read back the same from its own wire form.
/// (Regression: a mutated message with a NaN double once failed the check
/// it then made with ==; Fuzz/Corpus/dbus-message keeps that input.)
runLibFuzzer { data, count in
    guard let message = try? Message(marshalled: Array(UnsafeBufferPointer(start: data, count: count))),
          let arguments = try? message.arguments()
    else { return 0 }
    // Compared as text: a NaN double is equal to nothing, not even itself.
    let again = (try? Message(marshalled: message.marshalled()).arguments()).map { "\($0)" }
    guard again == "\(arguments)" else { fatalError("arguments changed through the wire form: \(arguments) vs \(again ?? "an error")") }
    return 0
}
