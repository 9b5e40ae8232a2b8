import Logging
import NIOCore
import ServiceLifecycle
import SpoolEngineHost
import SpoolHTTP
import SpoolServer

/// The HTTP listener (metrics and dashboard) on the addresses of --http and
/// the sockets systemd passed as `http`, once the engine and the pool run;
/// nothing when neither names one.
struct HTTPService: Service {
    let host: EngineHostService
    let pool: WorkerPoolService
    /// Where to listen; nil: off.
    let configuration: ServerConfiguration?
    let logger: Logger
    let started = Started<HTTPListener?>()

    func run() async throws {
        guard let host = try? await host.started.value, let pool = try? await pool.started.value else { return await started.failAndAwaitShutdown() }
        guard let configuration else {
            started.succeed(nil)
            try? await gracefulShutdown()
            return
        }
        let sources = HTTPSources(engine: host, pool: pool.pool)
        let listener: HTTPListener
        do {
            listener = try await Self.start(configuration, eventLoop: host.eventLoop, sources: sources, logger: logger)
        } catch {
            started.fail()
            throw error
        }
        started.succeed(listener)
        try? await gracefulShutdown()
        await listener.shutdown()
    }

    /// A started HTTP listener on `configuration`.
    /// - Throws: ``StartupError`` when it cannot listen.
    static func start(
        _ configuration: ServerConfiguration, eventLoop: any EventLoop, sources: HTTPSources, logger: Logger
    ) async throws -> HTTPListener {
        let listener = HTTPListener(eventLoop: eventLoop, configuration: configuration, sources: sources, logger: logger)
        do {
            try await listener.start()
        } catch {
            await listener.shutdown()
            throw StartupError(message: "cannot listen for HTTP: \(error)")
        }
        return listener
    }
}
