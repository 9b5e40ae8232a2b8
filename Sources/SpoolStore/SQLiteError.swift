import CSQLite

/// A SQLite call failed.
public struct SQLiteError: Error, CustomStringConvertible, Equatable {
    /// SQLite's extended result code, e.g. `SQLITE_FULL` (13).
    public let code: Int32
    /// SQLite's message for the failure.
    public let message: String
    /// The database file concerned.
    public let path: String

    /// The primary result code (the low byte of ``code``).
    public var primaryCode: Int32 { code & 0xff }

    /// The disk or its quota is full.
    public var isFull: Bool { primaryCode == SQLITE_FULL }

    /// The file is not a database, or its content is damaged.
    public var isCorrupt: Bool { primaryCode == SQLITE_CORRUPT || primaryCode == SQLITE_NOTADB }

    /// `path: message (code N)`.
    public var description: String { "\(path): \(message) (SQLite code \(code))" }
}
