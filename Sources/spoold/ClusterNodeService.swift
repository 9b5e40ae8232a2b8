import Logging
import NIOCore
import ServiceLifecycle
import SpoolCluster
import SpoolControl
import SpoolEngineHost
import SpoolHTTP
import SpoolPool
import SpoolServer
import Systemd
import UnixSignals

/// The node: its database, its listeners, its worker pool, its D-Bus
/// control plane (as --bus says), its HTTP listener (as --http says), its signals and
/// what it tells systemd — READY=1 once it serves, a live STATUS= line,
/// WATCHDOG=1 pings from the node's loop, STOPPING=1. After
/// `--exit-when-idle` seconds without a client or a running handler it
/// ends (its jobs stay in the database; the socket starts it again).
/// SIGUSR1 drains it, as beanstalkd; SIGHUP reloads the queue directory.
struct ClusterNodeService: Service {
    let conninfo: String
    /// What the command line chose (but the store).
    let daemon: Daemon
    let eventLoop: any EventLoop

    private var logger: Logger { daemon.logger }

    func run() async throws {
        let notifier = ServiceNotifier()
        notifier.send([.status("connecting to PostgreSQL")], logger: logger)
        let signals = await UnixSignalsSequence(trapping: .sigusr1, .sighup)
        let cluster: ClusterHost
        do {
            cluster = try await ClusterHost.start(conninfo: conninfo, configuration: daemon.host, eventLoop: eventLoop, logger: logger)
        } catch {
            throw StartupError(message: "cannot start the cluster node: \(error)")
        }
        // What has started, stopped in reverse order: at the end, or as soon
        // as a later part fails to start.
        var started: [() async -> Void] = [{ await cluster.stop() }]
        func stopStarted() async {
            for stop in started.reversed() { await stop() }
        }
        let spoolServer = SpoolServer(
            eventLoop: eventLoop, engine: { cluster.onLoop }, configuration: daemon.server, logger: logger)
        started.append { await spoolServer.shutdown() }
        do {
            try await spoolServer.start()
        } catch {
            await stopStarted()
            throw StartupError(message: "cannot listen: \(error)")
        }
        let pool: WorkerPool
        do {
            pool = try await WorkerPool(eventLoop: eventLoop, engine: { cluster.onLoop }, logger: logger)
        } catch {
            await stopStarted()
            throw StartupError(message: "cannot start the worker pool: \(error)")
        }
        started.append { [daemon] in await pool.shutdown(gracePeriod: daemon.workerStopTimeout) }
        let queues = QueueReloader(directory: daemon.queuesDirectory, pool: pool, logger: logger)
        _ = await queues.load()
        let control: ControlPlane?
        do {
            control = try await ControlPlaneService.start(
                on: daemon.bus, engine: cluster, pool: WorkerPoolControl(pool: pool, queues: queues), durability: "postgresql",
                logger: logger)
        } catch {
            await stopStarted()
            throw StartupError(message: "cannot start the D-Bus control plane on \(daemon.bus ?? "the system bus"): \(error)")
        }
        started.append { control?.stop() }
        var web: HTTPListener?
        if let http = daemon.http {
            do {
                web = try await HTTPService.start(
                    http, eventLoop: eventLoop, sources: HTTPSources(engine: cluster, pool: pool), logger: logger)
            } catch {
                await stopStarted()
                throw error
            }
            started.append { [web] in await web?.shutdown() }
        }
        let reporter = ServiceReporter(notifier: notifier, logger: logger)
        let tasks: [RepeatedTask]
        let (idle, idleContinuation) = AsyncStream.makeStream(of: Void.self)
        do {
            tasks = try await reporter.start(
                first: try await cluster.status(), every: cluster.every, pool: pool,
                httpConnections: { [web] in web?.openConnections ?? 0 }, idleLimit: daemon.exitWhenIdle
            ) { idleContinuation.yield() }
        } catch {
            await stopStarted()
            throw error
        }
        logger.notice("spoold started", metadata: ["version": "\(SpoolVersion.current)", "store": "postgresql"])
        let signalHandling = Task { await handle(signals, cluster, queues) }
        for await _ in idle.cancelOnGracefulShutdown() {
            logger.notice("idle: no connections", metadata: ["idle_seconds": "\(daemon.exitWhenIdle)"])
            break
        }
        logger.notice("stopping")
        signalHandling.cancel()
        tasks.forEach { $0.cancel() }
        reporter.stopping()
        await stopStarted()
    }

    private func handle(_ signals: UnixSignalsSequence, _ cluster: ClusterHost, _ queues: QueueReloader) async {
        for await signal in signals {
            switch signal {
            case .sigusr1:
                logger.notice("entering drain mode: puts are refused")
                cluster.drain()
            default:
                logger.notice("reloading the queue directory", metadata: ["directory": "\(daemon.queuesDirectory)"])
                _ = await queues.reload()
            }
        }
    }
}
