/// spoolctl's exit statuses on failure, as documented in its man page and
/// `--help` (0 is success).
enum ExitStatus: Int32 {
    /// The operation failed: the daemon refused it or reported problems.
    case failure = 1
    /// No such tube or job.
    case notFound = 4
    /// Bad arguments (ArgumentParser's own validation failures use it too).
    case usage = 64
    /// spoold is not running and cannot be started (EX_UNAVAILABLE).
    case unavailable = 69
    /// The caller may not do this (EX_NOPERM).
    case permissionDenied = 77
}
