/// Why the durable store cannot be used. Each case names the file or
/// directory at fault, so that the message tells an admin where to look.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// The state directory cannot be created, opened or written.
    case unusableDirectory(path: String, reason: String)
    /// Another process holds the state directory's lock.
    case locked(path: String, owner: Int32?)
    /// The file is not a Spool database (another program's SQLite file, or not SQLite at all).
    case foreign(path: String, reason: String)
    /// The file (a journal segment, or an earlier spoold's database) is of a newer, unknown format.
    case unsupportedVersion(path: String, version: Int64)
    /// The file is damaged (truncated, overwritten); nothing was dropped.
    case corrupt(path: String, reason: String)
    /// Writing or fsyncing a file of the store failed (a full disk, an I/O error).
    case writeFailed(path: String, reason: String)
    /// A SQLite call failed.
    case sqlite(SQLiteError)

    /// One line for the log and the terminal.
    public var description: String {
        switch self {
        case .unusableDirectory(let path, let reason):
            "cannot use the state directory \(path): \(reason)"
        case .locked(let path, let owner):
            "the state directory is in use by another spoold\(owner.map { " (pid \($0))" } ?? ""): \(path) is locked"
        case .foreign(let path, let reason):
            "\(path) is not a Spool database (\(reason)); move it away or choose another state directory"
        case .unsupportedVersion(let path, let version):
            "\(path) has format version \(version), which this spoold does not know; run a newer spoold"
        case .corrupt(let path, let reason):
            "\(path) is damaged (\(reason)); spoold will not start rather than drop jobs. Restore it from a backup, or move it away to start empty"
        case .writeFailed(let path, let reason):
            "cannot write \(path): \(reason)"
        case .sqlite(let error):
            error.description
        }
    }
}
