import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The node's registration in the database, on one connection of its own:
/// a row in `spool_nodes` and the session advisory lock that says the node
/// lives (held as long as this connection is), and `LISTEN spool_jobs` for
/// wake-ups from other nodes' puts. When the connection drops the node is
/// lost — other nodes release its reservations as soon as they see its lock
/// gone — and it registers again, as a new node, with backoff.
final class ClusterNode: Sendable {
    /// What the registration reports, on the engine's loop.
    struct Callbacks: Sendable {
        /// Registered as node `id`.
        var registered: @Sendable (Int32) -> Void
        /// The registration is gone, for the reason given.
        var lost: @Sendable (ClusterError) -> Void
        /// Another node put jobs that a waiting reserve here may want.
        var notified: @Sendable () -> Void
    }

    private let conninfo: String
    private let host: String
    private let eventLoop: EventLoop
    private let callbacks: Callbacks
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let stopping = NIOLockedValueBox(false)
    /// Set by ``registerAgain()``: the current registration is given up.
    private let givingUp = NIOLockedValueBox(false)

    init(conninfo: String, host: String, eventLoop: EventLoop, callbacks: Callbacks) {
        self.conninfo = conninfo
        self.host = host
        self.eventLoop = eventLoop
        self.callbacks = callbacks
    }

    /// Starts registering, and keeps the node registered until ``stop()``.
    func start() {
        thread.start()
        thread.submit { [self] _ in run() }
    }

    /// Ends the registration: the row goes, and with the connection the lock.
    func stop() async {
        stopping.withLockedValue { $0 = true }
        try? await thread.shutdownGracefully()
    }

    private var isStopping: Bool { stopping.withLockedValue { $0 } }

    /// Gives up the current registration and registers again, as after a
    /// lost connection: the other nodes found this one dead (its row is
    /// gone) although its liveness connection seems open.
    func registerAgain() {
        givingUp.withLockedValue { $0 = true }
    }

    private func run() {
        var backoff: UInt32 = 100_000
        while !isStopping {
            do throws(ClusterError) {
                let connection = try PostgresConnection(conninfo)
                // A node gone without a word (power cut, network cut) is
                // noticed by the server within about ten seconds instead of
                // TCP's two hours, which ends its session and frees its lock
                // for the others' rescue. (Over a Unix socket these do
                // nothing; a server that lacks one, before PostgreSQL 12's
                // tcp_user_timeout, keeps its default.)
                for setting in ["tcp_keepalives_idle = 5", "tcp_keepalives_interval = 1", "tcp_keepalives_count = 3", "tcp_user_timeout = 10000"] {
                    _ = try? connection.execute("SET " + setting)
                }
                // One statement: the row becomes visible with its lock already held.
                let rows = try connection.execute(
                    """
                    WITH node AS (INSERT INTO spool_nodes (host, pid) VALUES ($1, $2) RETURNING id)
                    SELECT id, pg_advisory_lock($3, id)::text FROM node
                    """,
                    [.text(host), .int32(getpid()), .int32(ClusterSchema.lockClass)])
                let id = rows.int32(0, 0)
                try connection.execute("LISTEN spool_jobs")
                givingUp.withLockedValue { $0 = false }
                let callbacks = self.callbacks
                eventLoop.execute { callbacks.registered(id) }
                backoff = 100_000
                try listen(on: connection)
                try connection.execute("DELETE FROM spool_nodes WHERE id = $1", [.int32(id)])
                return
            } catch {
                let callbacks = self.callbacks
                eventLoop.execute { callbacks.lost(error) }
                var waited: UInt32 = 0
                while waited < backoff, !isStopping {
                    usleep(50_000)
                    waited += 50_000
                }
                backoff = min(backoff * 2, 5_000_000)
            }
        }
    }

    /// Waits for notifications until stopped; throws when the connection breaks.
    private func listen(on connection: PostgresConnection) throws(ClusterError) {
        while !isStopping {
            if givingUp.withLockedValue({ $0 }) { throw .nodeNotRegistered }
            var poller = pollfd(fd: connection.socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 200)
            guard ready > 0 else { continue }
            if try !connection.notifications().isEmpty {
                let callbacks = self.callbacks
                eventLoop.execute { callbacks.notified() }
            }
        }
    }
}
