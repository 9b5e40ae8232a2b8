import Glibc
import Synchronization

/// Tells a running attempt, from any thread, that its caller wants it stopped: a
/// pipe whose read end its supervising thread polls alongside the handler's
/// pipes, and which one byte makes readable.
final class StopSignal: Sendable {
    /// The pipe, or nil once closed (or when none could be made).
    private let pipe: Mutex<UnixPipe?>

    init() {
        pipe = Mutex(try? UnixPipe())
    }

    /// The descriptor to poll for `POLLIN`; nil when there is none.
    var pollDescriptor: Int32? {
        pipe.withLock { $0?.readEnd }
    }

    /// Asks the attempt to stop; harmless once it is over.
    func raise() {
        pipe.withLock { pipe in
            guard let pipe else { return }
            var byte: UInt8 = 1
            _ = write(pipe.writeEnd, &byte, 1)
        }
    }

    /// Closes the pipe once the attempt is over.
    func close() {
        pipe.withLock { pipe in
            guard let ends = pipe else { return }
            Glibc.close(ends.readEnd)
            Glibc.close(ends.writeEnd)
            pipe = nil
        }
    }
}
