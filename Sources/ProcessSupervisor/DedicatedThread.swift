import Glibc

/// Runs blocking work on a thread of its own, so that a handler's attempt,
/// which waits in poll(2) and waitpid(2), never holds a thread of Swift's
/// cooperative pool or of an event loop.
enum DedicatedThread {
    /// A closure handed to a new thread through its `void *` argument.
    private final class Work: Sendable {
        let body: @Sendable () -> Void

        init(_ body: @escaping @Sendable () -> Void) {
            self.body = body
        }
    }

    /// Runs `work` on a new detached thread that ends with it, without
    /// waiting for it; returns 0, or pthread_create's error when the system
    /// refused to create a thread (then `work` does not run).
    static func start(_ work: @escaping @Sendable () -> Void) -> Int32 {
        let box = Unmanaged.passRetained(Work(work))
        var thread = pthread_t()
        let code = pthread_create(
            &thread, nil,
            { argument in
                Unmanaged<Work>.fromOpaque(argument!).takeRetainedValue().body()
                return nil
            }, box.toOpaque())
        guard code == 0 else {
            box.release()
            return code
        }
        pthread_detach(thread)
        return 0
    }

    /// The value of `work`, run on a new detached thread that ends with it.
    /// - Throws: the system refused to create a thread.
    static func run<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async throws(StartFailure) -> Value {
        let result: Result<Value, StartFailure> = await withCheckedContinuation { continuation in
            let code = start { continuation.resume(returning: .success(work())) }
            if code != 0 {
                continuation.resume(returning: .failure(StartFailure(call: "cannot start a thread", error: code)))
            }
        }
        return try result.get()
    }
}
