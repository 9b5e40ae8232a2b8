import DBus
import SpoolControlAPI

/// spoold's control plane on D-Bus, through the typed proxies of
/// SpoolControlAPI, whose failures become ``CommandFailure``s.
struct ControlClient {
    /// The manager, on the bus connection.
    let manager: Manager

    /// The bus connection.
    var connection: Connection { manager.connection }

    /// Runs `body` on the manager.
    func callManager<Result>(_ body: (Manager) async throws -> Result) async throws -> Result {
        try await run(tube: nil) { try await body(manager) }
    }

    /// Runs `body` on `tube`'s queue.
    func callQueue<Result>(_ tube: String, _ body: (Queue) async throws -> Result) async throws -> Result {
        try await run(tube: tube) { try await body(manager.queue(tube)) }
    }

    /// The manager's `Status()`: the daemon's state and counters.
    func status() async throws -> [String: DBusValue] {
        try await callManager { try await $0.status() }
    }

    /// Every queue object's properties, sorted by tube name.
    func queues() async throws -> [QueueSnapshot] {
        try await callManager { try await $0.queues() }
            .map { QueueSnapshot(path: $0.key, properties: $0.value) }
            .sorted { $0.name < $1.name }
    }

    /// Runs calls about `tube`'s queue, or about the manager when `tube` is nil.
    private func run<Result>(tube: String?, _ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let failure as ControlCallError {
            throw CommandFailure(failure.error, member: failure.member.rawValue, tube: tube)
        }
    }
}
