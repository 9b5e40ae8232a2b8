import Glibc

/// spoold's end of a handler's standard input, non-blocking: the job's body
/// goes in as fast as the handler reads it, and the pipe is closed once it is
/// all written, so that the handler sees end of file. A handler that never
/// reads stalls only the feeding, never the thread supervising it.
struct InputFeeder {
    /// The pipe's write end; `nil` once closed.
    private(set) var descriptor: Int32?
    private let body: [UInt8]
    private var written = 0

    init(descriptor: Int32, body: [UInt8]) {
        self.descriptor = descriptor
        self.body = body
        if body.isEmpty { close() }
    }

    /// Writes what the pipe takes, after poll(2) said it is writable or that
    /// the handler closed its end.
    mutating func write() {
        guard let descriptor else { return }
        let count = body.withUnsafeBytes { bytes in
            Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
        }
        if count >= 0 {
            written += count
            if written == body.count { close() }
        } else if errno != EAGAIN && errno != EINTR {
            // EPIPE: the handler closed its standard input, or exited, without
            // reading it all, which is its own business. (SIGPIPE is blocked on
            // this thread: see HandlerProcess.)
            close()
        }
    }

    mutating func close() {
        guard let descriptor else { return }
        Glibc.close(descriptor)
        self.descriptor = nil
    }
}
