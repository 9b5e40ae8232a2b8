import Logging
import ServiceLifecycle
import SpoolEngineHost
import UnixSignals

/// beanstalkd's SIGUSR1 (drain: puts are refused from then on) and SIGHUP
/// (reload the queue directory). SIGTERM and SIGINT stop the service group.
struct SignalService: Service {
    let host: EngineHostService
    let pool: WorkerPoolService
    let queuesDirectory: String
    let logger: Logger
    /// Succeeds once the signals are trapped: from then on they no longer end the process.
    let trapping = Started<Void>()

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sigusr1, .sighup)
        trapping.succeed(())
        guard let host = try? await host.started.value, let pool = try? await pool.started.value else {
            try? await gracefulShutdown()
            return
        }
        for await signal in signals.cancelOnGracefulShutdown() {
            switch signal {
            case .sigusr1:
                logger.notice("entering drain mode: puts are refused")
                host.drain()
            default:
                logger.notice("reloading the queue directory", metadata: ["directory": "\(queuesDirectory)"])
                Task { _ = await pool.queues.reload() }
            }
        }
    }
}
