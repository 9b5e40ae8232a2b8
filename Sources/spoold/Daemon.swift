import Logging
import NIOPosix
import ServiceLifecycle
import SpoolEngineHost
import SpoolServer

#if canImport(Glibc)
import Glibc
#endif

/// spoold assembled from what its command line chose: the store, the engine
/// host, the listeners, the worker pool, the control plane, the signals and
/// the reporter, as services of one `ServiceGroup`. They start in that order
/// (each waits for those it needs) and stop in the reverse one on SIGTERM or
/// SIGINT, or when idle: STOPPING=1 first, then the control plane, the pool
/// (handlers get the stop timeout), the listeners, the engine (replies made
/// durable) and the store last. A failure of any one at start stops those
/// already started and ends spoold with its message.
struct Daemon {
    /// Where jobs are kept.
    let storage: Storage
    /// What the engine host reports and accepts.
    let host: HostConfiguration
    /// Where the protocol is served.
    let server: ServerConfiguration
    /// Where metrics and the dashboard are served; nil: nowhere.
    let http: ServerConfiguration?
    /// --bus.
    let bus: String?
    /// --queues-directory.
    let queuesDirectory: String
    /// --worker-stop-timeout.
    let workerStopTimeout: Duration
    /// --exit-when-idle, in seconds (0: never).
    let exitWhenIdle: UInt32
    let logger: Logger

    /// Runs spoold until it is told to stop.
    /// - Throws: ``StartupError`` when a part cannot start.
    func run() async throws {
        raiseOpenFileLimit()
        if case .cluster(let conninfo) = storage {
            return try await ClusterDaemon(conninfo: conninfo, daemon: self).run()
        }
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let store = StoreService(storage: storage, logger: logger)
        let engine = EngineHostService(store: store, configuration: host, eventLoop: loops.next(), logger: logger)
        let listeners = ListenerService(host: engine, configuration: server, logger: logger)
        let pool = WorkerPoolService(
            host: engine, listeners: listeners, queuesDirectory: queuesDirectory, stopTimeout: workerStopTimeout, logger: logger)
        let control = ControlPlaneService(host: engine, pool: pool, bus: bus, logger: logger)
        let web = HTTPService(host: engine, pool: pool, configuration: http, logger: logger)
        let signals = SignalService(host: engine, pool: pool, queuesDirectory: queuesDirectory, logger: logger)
        let reporter = ReporterService(
            host: engine, pool: pool, control: control, http: web, signals: signals, idleLimit: exitWhenIdle,
            startupNote: [
                "version": "\(SpoolVersion.current)",
                "listeners": "\(Self.describe([server] + (http.map { [$0] } ?? [])))",
            ],
            logger: logger)
        let services: [(any Service, String)] = [
            (store, "store"), (engine, "engine host"), (listeners, "listeners"), (pool, "worker pool"),
            (control, "control plane"), (web, "http"), (signals, "signals"), (reporter, "reporter"),
        ]
        try await Self.run(services, on: loops, logger: logger)
    }

    /// Runs `services` as one group, started in order and stopped in the
    /// reverse one on SIGTERM or SIGINT (or when one ends); then shuts
    /// `loops` down.
    static func run(_ services: [(any Service, String)], on loops: MultiThreadedEventLoopGroup, logger: Logger) async throws {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map { service, name in
                .init(
                    service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: name)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            try? await loops.shutdownGracefully()
            throw error
        }
        try await loops.shutdownGracefully()
    }

    /// The sockets of `configurations` for the start-up note: names of the inherited ones, then addresses.
    static func describe(_ configurations: [ServerConfiguration]) -> String {
        configurations.flatMap { $0.inheritedSockets.map(\.name) + $0.listeners.map(\.description) }.joined(separator: " ")
    }

    /// Raises the soft limit on open files to the hard limit, so that thousands
    /// of clients can connect at once.
    func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) != 0 {
            logger.warning("cannot raise the open-file limit", metadata: ["errno": "\(errno)"])
        }
    }
}
