import DBus
import Logging
import ServiceLifecycle
import SpoolControl
import SpoolEngineHost

/// The D-Bus control plane on the bus chosen by --bus, once the pool runs;
/// none for `--bus none`. Without --bus the system bus is tried, and spoold
/// goes on without the control plane (with a warning) when that fails: a
/// spoold run by hand on a machine without the bus or its policy still serves.
struct ControlPlaneService: Service {
    let host: EngineHostService
    let pool: WorkerPoolService
    /// --bus: none, system, session or an address; nil for the system bus, optional.
    let bus: String?
    let logger: Logger
    let started = Started<Void>()

    func run() async throws {
        guard let host = try? await host.started.value, let pool = try? await pool.started.value else { return await started.failAndAwaitShutdown() }
        let control: ControlPlane?
        do {
            control = try await Self.start(
                on: bus, engine: host, pool: WorkerPoolControl(pool: pool.pool, queues: pool.queues),
                durability: host.configuration.durability, logger: logger)
        } catch {
            started.fail()
            throw StartupError(message: "cannot start the D-Bus control plane on \(bus ?? "the system bus"): \(error)")
        }
        started.succeed(())
        try? await gracefulShutdown()
        control?.stop()
    }

    /// The control plane of `engine` and `pool` on `bus` (as --bus names
    /// it); nil for `none`, or when the default system bus is not there.
    static func start(
        on bus: String?, engine: any ControlEngine, pool: some PoolControl, durability: String, logger: Logger
    ) async throws -> ControlPlane? {
        let choice: Connection.Bus
        switch bus {
        case "none": return nil
        case nil, "system": choice = .system
        case "session": choice = .session
        case let address?: choice = .address(address)
        }
        do {
            let connection = try Connection(choice)
            do {
                return try await ControlPlane(
                    connection: connection, host: engine, pool: pool, version: SpoolVersion.current,
                    durability: durability, logger: logger)
            } catch {
                connection.close()
                throw error
            }
        } catch where bus == nil {
            logger.warning("no D-Bus control plane on the system bus", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
