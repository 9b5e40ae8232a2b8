import CSpawn
import Glibc

/// A pipe between the supervisor and a handler. Both ends are close-on-exec: the
/// handler gets its end as 0, 1 or 2 through `dup2`, and no other handler
/// started meanwhile inherits either.
struct UnixPipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws(StartFailure) {
        var ends: [Int32] = [-1, -1]
        guard cspawn_cloexec_pipe(&ends) == 0 else { throw StartFailure(call: "pipe2", error: errno) }
        readEnd = ends[0]
        writeEnd = ends[1]
    }
}
