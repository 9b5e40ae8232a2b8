import ServiceLifecycle
import Synchronization

/// What a service hands to the services started after it, once it has
/// started: they wait for it, so that spoold starts in order. A service
/// that fails to start (or whose own dependency failed) marks it failed, and
/// those waiting end without starting.
final class Started<Value: Sendable>: Sendable {
    /// A service could not start because one it needs did not.
    struct NotStarted: Error {}

    private enum State {
        case waiting([CheckedContinuation<Value, any Error>])
        case done(Result<Value, any Error>)
    }

    private let state = Mutex(State.waiting([]))

    /// The value, once the service has started.
    /// - Throws: ``NotStarted`` when it did not.
    var value: Value {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let result = state.withLock { state -> Result<Value, any Error>? in
                    switch state {
                    case .waiting(let continuations):
                        state = .waiting(continuations + [continuation])
                        return nil
                    case .done(let result):
                        return result
                    }
                }
                if let result { continuation.resume(with: result) }
            }
        }
    }

    /// The service started with `value`.
    func succeed(_ value: Value) {
        finish(.success(value))
    }

    /// The service did not start.
    func fail() {
        finish(.failure(NotStarted()))
    }

    /// The service did not start because one it needs did not: fails, then
    /// waits for the group to stop it in its turn, as a running service would
    /// (a service that ends before its turn would end the group with an
    /// error of its own, hiding the first one).
    func failAndAwaitShutdown() async {
        fail()
        try? await gracefulShutdown()
    }

    private func finish(_ result: Result<Value, any Error>) {
        let waiting = state.withLock { state -> [CheckedContinuation<Value, any Error>] in
            guard case .waiting(let continuations) = state else { return [] }
            state = .done(result)
            return continuations
        }
        waiting.forEach { $0.resume(with: result) }
    }
}
