import Foundation

/// Reads a child's output pipe with deadlines instead of sleeps.
final class PipeReader {
    private let handle: FileHandle
    private(set) var text = ""
    private(set) var reachedEnd = false

    init(_ pipe: Pipe) {
        handle = pipe.fileHandleForReading
    }

    /// Reads until the text so far satisfies `predicate`, the writer closes
    /// the pipe, or `timeout` seconds pass; returns whether `predicate` holds.
    @discardableResult
    func read(until predicate: (String) -> Bool, timeout: TimeInterval = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !predicate(text), !reachedEnd {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { break }
            var poller = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(remaining * 1000) + 1) == 1 else { continue }
            let count = Glibc.read(handle.fileDescriptor, &buffer, buffer.count)
            if count <= 0 {
                reachedEnd = true
            } else {
                text += String(decoding: buffer[..<count], as: UTF8.self)
            }
        }
        return predicate(text)
    }

    /// Reads until the writer closes the pipe or `timeout` seconds pass;
    /// returns whether it was closed.
    @discardableResult
    func readToEnd(timeout: TimeInterval = 10) -> Bool {
        read(until: { _ in false }, timeout: timeout)
        return reachedEnd
    }
}
