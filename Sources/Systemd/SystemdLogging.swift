import Glibc
import Logging

/// Chooses where a daemon's swift-log output goes.
///
/// ```swift
/// LoggingSystem.bootstrap { label in
///     SystemdLogging.handler(label: label, identifier: "mydaemon")
/// }
/// ```
public enum SystemdLogging {
    /// Whether standard error is connected to the systemd journal.
    ///
    /// systemd sets `JOURNAL_STREAM` to `DEVICE:INODE` of the stream it
    /// connects to a service's standard output or error; standard error is
    /// the journal when these match `fstat(2)` of file descriptor 2. A
    /// variable inherited by a child whose standard error was redirected
    /// elsewhere does not match.
    public static var isStderrJournal: Bool {
        guard let variable = getenv("JOURNAL_STREAM") else { return false }
        let parts = String(cString: variable).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(2, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// A ``JournalLogHandler`` when standard error is the journal
    /// (``isStderrJournal``), otherwise swift-log's standard-error stream
    /// handler.
    ///
    /// - Parameters:
    ///   - label: the logger's label.
    ///   - identifier: the journal's `SYSLOG_IDENTIFIER`, usually the
    ///     program's name.
    public static func handler(label: String, identifier: String) -> any LogHandler {
        if isStderrJournal {
            JournalLogHandler(label: label, identifier: identifier)
        } else {
            StreamLogHandler.standardError(label: label)
        }
    }
}
