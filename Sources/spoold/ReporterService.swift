import Logging
import SpoolHTTP
import ServiceLifecycle
import Systemd

/// Tells systemd that spoold is ready once everything before it has started,
/// then keeps its status and watchdog going; says STOPPING=1 first thing at
/// shutdown. After --exit-when-idle seconds without jobs or connections
/// (an open dashboard is one) it ends, which stops the whole daemon.
struct ReporterService: Service {
    let host: EngineHostService
    let pool: WorkerPoolService
    let control: ControlPlaneService
    let http: HTTPService
    let signals: SignalService
    let idleLimit: UInt32
    let startupNote: Logger.Metadata
    let logger: Logger

    func run() async throws {
        guard let host = try? await host.started.value, let pool = try? await pool.started.value,
              (try? await control.started.value) != nil, let web = await Self.started(http),
              (try? await signals.trapping.value) != nil
        else {
            try? await gracefulShutdown()
            return
        }
        let reporter = ServiceReporter(notifier: ServiceNotifier(), logger: logger)
        let (idle, idleContinuation) = AsyncStream.makeStream(of: Void.self)
        let tasks = try await reporter.start(
            first: try await host.statusSnapshot(), every: host.every, pool: pool.pool,
            httpConnections: { web?.openConnections ?? 0 }, idleLimit: idleLimit
        ) { idleContinuation.yield() }
        logger.notice("spoold started", metadata: startupNote)
        for await _ in idle.cancelOnGracefulShutdown() {
            logger.notice("idle: no jobs and no connections", metadata: ["idle_seconds": "\(idleLimit)"])
            break
        }
        logger.notice("stopping")
        tasks.forEach { $0.cancel() }
        reporter.stopping()
    }

    /// The HTTP listener once its service started (nil inside when it is
    /// off); nil when it failed.
    private static func started(_ http: HTTPService) async -> HTTPListener?? {
        do {
            return .some(try await http.started.value)
        } catch {
            return nil
        }
    }
}
