import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A small pool of PostgreSQL connections, each statement run on a thread
/// of the pool's own (libpq blocks), its result delivered on the caller's
/// event loop. A connection that broke is dropped; the next statement opens
/// a new one.
final class PostgresPool: Sendable {
    /// Whether a statement's commit waits for the WAL to be flushed.
    enum Commit: Sendable {
        /// Acknowledged only once durable (and on a synchronous standby):
        /// puts, deletes, and every change a client is told of as done.
        case durable
        /// `synchronous_commit = off`: for reservations (leases) and their
        /// upkeep, which never outlive the loss of the database anyway — a
        /// node that loses its connection loses its leases, and its jobs go
        /// back to ready — so a lease committed but not yet flushed when the
        /// database crashes is lost exactly as a flushed one would be.
        case lease
    }

    private let conninfo: String
    private let threads: NIOThreadPool
    private let idle = NIOLockedValueBox<[Commit: [PostgresConnection]]>([:])

    /// A pool of at most `size` connections to the database `conninfo` names.
    init(conninfo: String, size: Int) {
        self.conninfo = conninfo
        threads = NIOThreadPool(numberOfThreads: size)
        threads.start()
    }

    /// Runs `body` with a connection on a pool thread, its commits `commit`.
    func run<T: Sendable>(
        on eventLoop: EventLoop, commit: Commit = .durable, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) -> EventLoopFuture<T> {
        threads.runIfActive(eventLoop: eventLoop) { [self] in
            let connection = try idle.withLockedValue { $0[commit]?.popLast() }
                ?? PostgresConnection(conninfo, synchronousCommit: commit == .durable)
            do {
                let result = try body(connection)
                idle.withLockedValue { $0[commit, default: []].append(connection) }
                return result
            } catch {
                if connection.isHealthy { idle.withLockedValue { $0[commit, default: []].append(connection) } }
                throw error
            }
        }
    }

    /// Closes the connections and stops the threads.
    func shutdown() async {
        try? await threads.shutdownGracefully()
        idle.withLockedValue { $0.removeAll() }
    }
}
