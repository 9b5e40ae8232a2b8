import DurationConversions
import Logging
import ServiceLifecycle
import SpoolCore
import SpoolStore
import Systemd

/// The store: opens it and reads its jobs back before anything serves
/// (telling systemd while it does), and closes it last, once every reply
/// is durable. In memory, there is nothing to open.
///
/// The opening begins when the service is made, in a task of its own (on
/// one of Swift's cooperative threads), while the other services are made
/// and the service group starts: it is the longest step between a
/// socket-activated start and the first reply (starting the group, its
/// signal handling and a task per service, takes as long), and the two need
/// not wait for each other.
struct StoreService: Service {
    /// What the engine host starts from.
    struct Opened: Sendable {
        /// The durable store's state directory; nil in memory.
        let directory: StateDirectory?
        /// The jobs read back.
        let recovered: RecoveredQueue
    }

    let opened = Started<Opened>()
    private let opening: Task<Opened, any Error>

    init(storage: Storage, logger: Logger) {
        opening = Task.detached { try Self.open(storage, logger: logger) }
    }

    func run() async throws {
        let store: Opened
        do {
            store = try await opening.value
        } catch {
            opened.fail()
            throw error
        }
        opened.succeed(store)
        try? await gracefulShutdown()
        try await store.directory?.close()
    }

    private static func open(_ storage: Storage, logger: Logger) throws -> Opened {
        guard case .durable(let directory, let mode) = storage else {
            if case .memory(let reason, let ignoredFlag) = storage {
                if let ignoredFlag { logger.warning("\(ignoredFlag) has no effect without a state directory (-b DIR)") }
                logger.notice("\(reason)")
            }
            return Opened(directory: nil, recovered: RecoveredQueue())
        }
        _ = try? ServiceNotifier().notify(.status("recovering jobs from \(directory)"))
        let started = ContinuousClock.now
        do {
            let (opened, recovered) = try StateDirectory.open(directory, mode: mode, logger: logger)
            logger.notice("store opened", metadata: [
                "path": "\(opened.journalPath)", "durability": "\(mode)", "jobs": "\(recovered.jobs.count)",
                "recovery_ms": "\((ContinuousClock.now - started).milliseconds)",
            ])
            return Opened(directory: opened, recovered: recovered)
        } catch let error as StoreError {
            logger.critical("cannot open the store", metadata: ["error": "\(error)", "state_directory": "\(directory)"])
            throw StartupError(message: error.description)
        }
    }
}
