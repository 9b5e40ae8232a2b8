import NIOConcurrencyHelpers

/// One (re)connect, shared by every command that needs a connection while it
/// runs: the first such command starts it, the others join it, and all of
/// them get its outcome.
///
/// A caller whose task is cancelled stops waiting at once with
/// `CancellationError`; when every caller has gone, the attempt itself is
/// cancelled. ``abandon()`` (the client closing) ends it for everyone with
/// ``SpoolClientError/connectionClosed``.
final class ConnectAttempt: Sendable {
    private struct State {
        var members: Set<Int> = []
        var nextMember = 0
        var continuations: [Int: CheckedContinuation<Connection, Error>] = [:]
        var outcome: Result<Connection, Error>?
        var task: Task<Void, Never>?
        var isAbandoned = false
    }

    private let state = NIOLockedValueBox(State())

    /// Whether the attempt was abandoned: by ``abandon()``, or by all its callers leaving.
    var isAbandoned: Bool { state.withLockedValue { $0.isAbandoned } }

    /// Hands the attempt the task that runs it, so that it can cancel it.
    func start(_ task: Task<Void, Never>) {
        let cancelAtOnce = state.withLockedValue { state in
            state.task = task
            return state.isAbandoned
        }
        if cancelAtOnce { task.cancel() }
    }

    /// Registers a caller; pass the number to ``wait(as:)``. Called before
    /// the caller suspends, so that a waiter on its way counts as one.
    func join() -> Int {
        state.withLockedValue { state in
            defer { state.nextMember += 1 }
            state.members.insert(state.nextMember)
            return state.nextMember
        }
    }

    /// Waits for the outcome.
    ///
    /// - Throws: the attempt's failure, or `CancellationError` when the
    ///   caller's task is cancelled first.
    func wait(as member: Int) async throws -> Connection {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let known: Result<Connection, Error>? = state.withLockedValue { state in
                    if let outcome = state.outcome { return outcome }
                    guard state.members.contains(member) else { return .failure(CancellationError()) }
                    state.continuations[member] = continuation
                    return nil
                }
                if let known { continuation.resume(with: known) }
            }
        } onCancel: {
            leave(member)
        }
    }

    /// Ends the attempt with `outcome` and hands it to every caller; an
    /// attempt that already has an outcome keeps it.
    ///
    /// - Returns: whether this outcome was the one handed out.
    @discardableResult
    func finish(_ outcome: Result<Connection, Error>) -> Bool {
        let waiting: [CheckedContinuation<Connection, Error>]? = state.withLockedValue { state in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.continuations = [:] }
            return Array(state.continuations.values)
        }
        guard let waiting else { return false }
        for continuation in waiting { continuation.resume(with: outcome) }
        return true
    }

    /// Ends the attempt for everyone with ``SpoolClientError/connectionClosed`` and cancels it.
    func abandon() {
        state.withLockedValue { $0.isAbandoned = true }
        finish(.failure(SpoolClientError.connectionClosed))
        state.withLockedValue { $0.task }?.cancel()
    }

    /// A caller whose task was cancelled stops waiting; the last one out cancels the attempt.
    private func leave(_ member: Int) {
        let (continuation, task) = state.withLockedValue { state in
            state.members.remove(member)
            let continuation = state.continuations.removeValue(forKey: member)
            guard state.members.isEmpty, state.outcome == nil else { return (continuation, nil as Task<Void, Never>?) }
            state.isAbandoned = true
            return (continuation, state.task)
        }
        continuation?.resume(throwing: CancellationError())
        task?.cancel()
    }
}
