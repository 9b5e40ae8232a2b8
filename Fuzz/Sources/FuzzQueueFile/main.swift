import LibFuzzerDriver
import SpoolQueueFiles

/// Parses arbitrary text as a queue file (NAME.conf): it must be accepted or
/// refused with an error, never crash, and an accepted file must describe a
/// queue with a handler to run.
runLibFuzzer { data, count in
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    if let configuration = try? QueueConfiguration(parsing: text, path: "/etc/spool/queues.d/fuzz.conf") {
        guard !configuration.arguments.isEmpty else { fatalError("accepted a queue without a handler") }
    }
    return 0
}
