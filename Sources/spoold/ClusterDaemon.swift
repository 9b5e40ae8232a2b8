import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// spoold as a node of a cluster (`--postgresql URL`): the protocol's
/// listeners, the worker pool and the D-Bus control plane of `daemon`,
/// served by a node whose jobs are in PostgreSQL.
struct ClusterDaemon {
    let conninfo: String
    let daemon: Daemon

    func run() async throws {
        Self.passwordFromCredential()
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let node = ClusterNodeService(conninfo: conninfo, daemon: daemon, eventLoop: loops.next())
        try await Daemon.run([(node, "cluster node")], on: loops, logger: daemon.logger)
    }

    /// The database password from systemd's credential `postgresql-password`
    /// (`LoadCredential=`), when the environment has none: libpq reads
    /// `PGPASSWORD` (and a password in the URI or `~/.pgpass` itself).
    private static func passwordFromCredential() {
        guard getenv("PGPASSWORD") == nil, let directory = getenv("CREDENTIALS_DIRECTORY") else { return }
        let path = String(cString: directory) + "/postgresql-password"
        guard let file = fopen(path, "r") else { return }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        var password = String(decoding: bytes, as: UTF8.self)
        while password.last == "\n" || password.last == "\r" { password.removeLast() }
        setenv("PGPASSWORD", password, 1)
    }
}
