import Logging
import NIOConcurrencyHelpers
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
        let tasks: [RepeatedTask]
        let (idle, idleContinuation) = AsyncStream.makeStream(of: Void.self)
        do {
            let first = ServiceReporter.statusLine(try await cluster.status().statusLine, try await pool.status())
            notifier.send([.ready, .status(first)], logger: logger)
            tasks = try report(cluster, pool, notifier, first: first, httpConnections: { [web] in web?.openConnections ?? 0 }) {
                idleContinuation.yield()
            }
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
        notifier.send([.stopping, .status("stopping")], logger: logger)
        await stopStarted()
    }

    /// The watchdog's pings and, every second, the status line
    /// and the idle count; `onIdle` runs once the node has had no client
    /// and no running handler for `--exit-when-idle` seconds.
    private func report(
        _ cluster: ClusterHost, _ pool: WorkerPool, _ notifier: ServiceNotifier, first: String,
        httpConnections: @escaping @Sendable () -> Int, onIdle: @escaping @Sendable () -> Void
    ) throws -> [RepeatedTask] {
        var tasks: [RepeatedTask] = []
        if let interval = try Watchdog.interval() {
            logger.info("watchdog enabled", metadata: ["interval": "\(interval)"])
            tasks.append(cluster.every(.nanoseconds(interval.nanoseconds / 2)) { [self] _ in notifier.send([.watchdog], logger: logger) })
        }
        let state = NIOLockedValueBox((line: first, idle: IdleCountdown(limit: daemon.exitWhenIdle)))
        tasks.append(cluster.every(.seconds(1)) { [self] status in
            let pools = pool.statusOnLoop
            let line = ServiceReporter.statusLine(status.statusLine, pools)
            let isIdle = status.isIdle && pools.allSatisfy { $0.busy == 0 } && httpConnections() == 0
            let (changed, idle) = state.withLockedValue { state -> (Bool, Bool) in
                let changed = line != state.line
                state.line = line
                return (changed, state.idle.tick(isIdle: isIdle))
            }
            if changed { notifier.send([.status(line)], logger: logger) }
            if idle { onIdle() }
        })
        return tasks
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
