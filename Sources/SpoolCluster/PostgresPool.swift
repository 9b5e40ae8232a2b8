import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A small pool of PostgreSQL connections, each statement run on a thread
/// of the pool's own (libpq blocks), its result delivered on the caller's
/// event loop. A connection that broke is dropped; the next statement opens
/// a new one.
final class PostgresPool: Sendable {
    private let conninfo: String
    private let threads: NIOThreadPool
    private let idle = NIOLockedValueBox<[PostgresConnection]>([])

    /// A pool of at most `size` connections to the database `conninfo` names.
    init(conninfo: String, size: Int) {
        self.conninfo = conninfo
        threads = NIOThreadPool(numberOfThreads: size)
        threads.start()
    }

    /// Runs `body` with a connection on a pool thread.
    func run<T: Sendable>(
        on eventLoop: EventLoop, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) -> EventLoopFuture<T> {
        threads.runIfActive(eventLoop: eventLoop) { [self] in
            let connection = try idle.withLockedValue { $0.popLast() } ?? PostgresConnection(conninfo)
            do {
                let result = try body(connection)
                idle.withLockedValue { $0.append(connection) }
                return result
            } catch {
                if connection.isHealthy { idle.withLockedValue { $0.append(connection) } }
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
