import Logging
import SpoolPool
import SpoolQueueFiles
import SpoolSandbox
import Synchronization
import Systemd

#if canImport(Glibc)
import Glibc
#endif

/// Loads the queue directory into the worker pool, at start and on every
/// reload (SIGHUP, or `Reload()` on D-Bus), telling systemd with
/// `RELOADING=1` … `READY=1` while it does. Reloads never overlap.
final class QueueReloader: Sendable {
    private let directory: String
    private let pool: WorkerPool
    private let logger: Logger
    private let notifier = ServiceNotifier()
    /// Held while a reload runs, so that two reloads do not interleave.
    private let running = Mutex<Task<[String], Never>?>(nil)

    init(directory: String, pool: WorkerPool, logger: Logger) {
        self.directory = directory
        self.pool = pool
        self.logger = logger
    }

    /// Reloads the directory; returns its problems, one line each.
    func reload() async -> [String] {
        let task = running.withLock { previous -> Task<[String], Never> in
            let task = Task { [previous] in
                _ = await previous?.value
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
                self.notifier.send([.reloading(monotonicMicroseconds: microseconds), .status("reloading \(self.directory)")], logger: self.logger)
                let problems = await self.load()
                self.notifier.send([.ready], logger: self.logger)
                return problems
            }
            previous = task
            return task
        }
        return await task.value
    }

    /// Reads the directory and applies it; a file that fails keeps the pool it
    /// configured. Without RELOADING=1: at start, spoold is not ready yet.
    func load() async -> [String] {
        var (queues, errors) = QueueDirectory.load(directory)
        // A sandbox that cannot be built (a group or system call that does
        // not exist) fails its file as a syntax error does.
        queues.removeAll { queue in
            do {
                _ = try HandlerSandbox(queue.sandbox)
                return false
            } catch {
                errors.append(QueueConfigurationError(path: queue.file, line: nil, problem: "\(error)"))
                return true
            }
        }
        for error in errors {
            logger.error("queue file not loaded", metadata: ["problem": "\(error)", "file": "\(error.path)"])
        }
        do {
            let changes = try await pool.configure(queues, keeping: Set(errors.map(\.path)))
            logger.notice("queues loaded", metadata: [
                "directory": "\(directory)", "queues": "\(queues.map(\.tube).joined(separator: " "))",
                "added": "\(changes.added.joined(separator: " "))", "changed": "\(changes.changed.joined(separator: " "))",
                "removed": "\(changes.removed.joined(separator: " "))", "kept": "\(changes.kept.joined(separator: " "))",
                "problems": "\(errors.count)",
            ])
        } catch {
            logger.error("cannot apply the queue directory", metadata: ["error": "\(error)"])
            return errors.map(\.description) + ["cannot apply the queue directory: \(error)"]
        }
        return errors.map(\.description)
    }
}
