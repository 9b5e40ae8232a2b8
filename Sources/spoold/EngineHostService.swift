import Logging
import NIOCore
import ServiceLifecycle
import SpoolCore
import SpoolEngineHost
import SpoolStore

/// The engine host on the serving loop, with the store's jobs; at shutdown
/// it waits until every change is durable and stops the engine's timer.
struct EngineHostService: Service {
    let store: StoreService
    let configuration: HostConfiguration
    let eventLoop: EventLoop
    let logger: Logger
    let started = Started<EngineHost>()

    func run() async throws {
        guard let opened = try? await store.opened.value else { return await started.failAndAwaitShutdown() }
        let host: EngineHost
        do {
            let directory = opened.directory
            let eventLoop = self.eventLoop
            let logger = self.logger
            let reservedBytes = Int64(2 * configuration.maxJobSize + (8 << 20))
            host = try await EngineHost(
                configuration: configuration, eventLoop: eventLoop, logger: logger,
                makeStore: {
                    guard let directory else { return MemoryStore() }
                    return JournalStore(
                        directory: directory, reservedBytes: reservedBytes, segmentSize: directory.segmentSize,
                        eventLoop: eventLoop, logger: logger)
                },
                recovered: opened.recovered)
        } catch {
            started.fail()
            throw StartupError(message: "cannot start the engine: \(error)")
        }
        started.succeed(host)
        try? await gracefulShutdown()
        try? await host.waitUntilDurable()
        await host.stop()
    }
}
