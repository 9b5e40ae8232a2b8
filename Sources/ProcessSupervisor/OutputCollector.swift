import Glibc

/// The supervisor's end of a handler's standard output or standard error,
/// non-blocking: each read takes what has arrived and keeps the beginning of
/// it in ``captured``.
struct OutputCollector {
    /// The pipe's read end; `nil` once closed.
    private(set) var descriptor: Int32?
    /// What was read so far.
    private(set) var captured = CapturedOutput()
    /// The most bytes ``captured`` keeps.
    private let limit: Int

    init(descriptor: Int32, limit: Int) {
        self.descriptor = descriptor
        self.limit = limit
    }

    /// Reads once, through `buffer`, after poll(2) said the pipe is readable or
    /// hung up; closes it at end of file. One read per call, so that a flood on
    /// one pipe cannot keep the caller from its other pipes and its deadlines.
    mutating func read(through buffer: UnsafeMutableRawBufferPointer) {
        guard let descriptor else { return }
        let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
        if count > 0 {
            captured.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]), keepingAtMost: limit)
        } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
            close()
        }
    }

    mutating func close() {
        guard let descriptor else { return }
        Glibc.close(descriptor)
        self.descriptor = nil
    }
}
