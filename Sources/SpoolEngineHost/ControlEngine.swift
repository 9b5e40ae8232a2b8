import SpoolCore

/// What the D-Bus control plane asks of an engine: the seam between the
/// control plane (SpoolControl) and the engines behind it — the local
/// engine's ``EngineHost`` and a cluster node. Callable from any task.
///
/// Changes throw ``StoreUnavailableError`` when the store takes none now
/// (nothing was changed).
public protocol ControlEngine: Sendable {
    /// The queue's state with every tube's statistics.
    func snapshot() async throws -> QueueSnapshot
    /// The queue's state without the tubes' statistics.
    func summary() async throws -> QueueSnapshot
    /// The statistics of the tube named `name`; nil when it does not exist.
    func tubeStats(_ name: String) async throws -> TubeStats?
    /// Calls `observer` for every engine event (such as a job buried by the pool).
    func observe(_ observer: @escaping @Sendable (EngineEvent) -> Void) async throws
    /// Returns once the queue may have changed since the last call returned
    /// (at once the first time), so that an idle queue costs its watchers
    /// nothing; throws `CancellationError` when the task is cancelled.
    func nextChange() async throws

    /// Pauses the tube named `name` for `seconds` (0 ends a pause); false when it does not exist.
    func pauseTube(_ name: String, seconds: UInt32) async throws -> Bool
    /// Kicks up to `bound` jobs of the tube named `name`; nil when it does not exist.
    func kick(tubeNamed name: String, bound: UInt32) async throws -> UInt32?
    /// Deletes the jobs of the tube named `name` in `states` (never reserved
    /// ones); how many, or nil when the tube does not exist.
    func purge(tubeNamed name: String, states: Set<JobState>) async throws -> Int?
    /// Lets reserves hand out jobs again.
    func startProcessing() async throws
    /// Makes reserves wait as if every tube were paused; puts are still taken.
    func stopProcessing() async throws
}

extension EngineHost: ControlEngine {}
