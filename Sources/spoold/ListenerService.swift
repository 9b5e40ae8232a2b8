import Logging
import ServiceLifecycle
import SpoolEngineHost
import SpoolServer

/// The protocol's sockets: bound (or adopted from systemd) once the engine
/// runs, closed at shutdown.
struct ListenerService: Service {
    let host: EngineHostService
    let configuration: ServerConfiguration
    let logger: Logger
    let started = Started<Void>()

    func run() async throws {
        guard let host = try? await host.started.value else { return await started.failAndAwaitShutdown() }
        let server = SpoolServer(host: host, configuration: configuration, logger: logger)
        do {
            try await server.start()
        } catch {
            await server.shutdown()
            started.fail()
            throw StartupError(message: "cannot listen: \(error)")
        }
        started.succeed(())
        try? await gracefulShutdown()
        await server.shutdown()
    }
}
