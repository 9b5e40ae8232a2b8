import Glibc

/// Why a handler could not be started, which becomes
/// ``AttemptOutcome/failedToStart(_:)``.
struct StartFailure: Error {
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }

    /// The failure of the system call or step `call` with `error`, as in `setuid: Operation not permitted`.
    init(call: String, error: Int32) {
        self.init("\(call): \(String(cString: strerror(error)))")
    }
}
