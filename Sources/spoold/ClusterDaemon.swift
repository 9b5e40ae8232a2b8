import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SpoolCluster
import SpoolEngineHost
import SpoolServer
import Systemd

#if canImport(Glibc)
import Glibc
#endif

/// spoold as a node of a cluster (`--postgresql URL`): the protocol's
/// listeners served by a node whose jobs are in PostgreSQL. The worker pool
/// and the D-Bus control plane do not run in this mode yet (README, Cluster).
struct ClusterDaemon {
    let conninfo: String
    let host: HostConfiguration
    let server: ServerConfiguration
    let logger: Logger

    func run() async throws {
        Self.passwordFromCredential()
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let node = ClusterNodeService(conninfo: conninfo, host: host, server: server, eventLoop: loops.next(), logger: logger)
        try await Daemon.run([(node, "cluster node")], on: loops, logger: logger)
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

/// The node: its database, its listeners and what it tells systemd.
struct ClusterNodeService: Service {
    let conninfo: String
    let host: HostConfiguration
    let server: ServerConfiguration
    let eventLoop: any EventLoop
    let logger: Logger

    func run() async throws {
        let notifier = ServiceNotifier()
        _ = try? notifier.notify(.status("connecting to PostgreSQL"))
        let cluster: ClusterHost
        do {
            cluster = try await ClusterHost.start(conninfo: conninfo, configuration: host, eventLoop: eventLoop, logger: logger)
        } catch {
            throw StartupError(message: "cannot start the cluster node: \(error)")
        }
        let spoolServer = SpoolServer(
            eventLoop: eventLoop, engine: { cluster.onLoop }, configuration: server, logger: logger)
        do {
            try await spoolServer.start()
        } catch {
            await spoolServer.shutdown()
            await cluster.stop()
            throw StartupError(message: "cannot listen: \(error)")
        }
        _ = try? notifier.notify(.ready, .status("serving as a cluster node"))
        logger.notice("spoold started", metadata: ["version": "\(SpoolVersion.current)", "store": "postgresql"])
        try? await gracefulShutdown()
        logger.notice("stopping")
        _ = try? notifier.notify(.stopping)
        await spoolServer.shutdown()
        await cluster.stop()
    }
}
