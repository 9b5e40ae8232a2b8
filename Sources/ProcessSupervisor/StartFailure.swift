import Glibc

/// Why a handler could not be started, which becomes
/// ``AttemptOutcome/failedToStart(_:)``.
struct StartFailure: Error {
    let reason: String
    /// Whether the step that failed was emptying the handler's temporary directory.
    var temporaryDirectory = false

    init(_ reason: String, temporaryDirectory: Bool = false) {
        self.reason = reason
        self.temporaryDirectory = temporaryDirectory
    }

    /// The failure of the system call or step `call` with `error`, as in `setuid: Operation not permitted`.
    init(call: String, error: Int32, temporaryDirectory: Bool = false) {
        self.init("\(call): \(String(cString: strerror(error)))", temporaryDirectory: temporaryDirectory)
    }
}
