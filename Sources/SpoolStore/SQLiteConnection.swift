import CSQLite

/// One connection to a SQLite database file, used from one thread at a time.
///
/// A thin layer over the C API: it runs SQL, prepares statements and turns
/// every failure into a ``SQLiteError`` that names the file.
final class SQLiteConnection {
    /// The database file's path.
    let path: String
    private(set) var handle: OpaquePointer?

    /// Opens (and with `create`, creates) the database at `path`.
    init(path: String, create: Bool) throws {
        self.path = path
        var loadError: UnsafePointer<CChar>?
        guard csqlite_load(&loadError) == 0 else {
            let reason = loadError.map { String(cString: $0) } ?? "unknown error"
            throw SQLiteError(code: SQLITE_ERROR, message: "cannot load SQLite (libsqlite3.so.0): \(reason)", path: path)
        }
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0)
        let result = csqlite_open_v2(path, &handle, flags, nil)
        guard result == SQLITE_OK else {
            let error = SQLiteError(code: result, message: String(cString: csqlite_errstr(result)), path: path)
            csqlite_close_v2(handle)
            handle = nil
            throw error
        }
        _ = csqlite_extended_result_codes(handle, 1)
    }

    deinit {
        // nil when SQLite could not be loaded or the file opened.
        if let handle { csqlite_close_v2(handle) }
    }

    /// Runs one or more statements that return no rows of interest.
    func execute(_ sql: String) throws {
        try check(csqlite_exec(handle, sql))
    }

    /// Prepares a statement to run many times.
    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        try check(csqlite_prepare_v3(handle, sql, UInt32(SQLITE_PREPARE_PERSISTENT), &statement))
        return SQLiteStatement(statement: statement, connection: self)
    }

    /// The single integer a query such as `PRAGMA page_size` returns.
    func integer(_ sql: String) throws -> Int64 {
        let statement = try prepare(sql)
        guard try statement.step() else { return 0 }
        return statement.int64(0)
    }

    /// Throws a ``SQLiteError`` unless `result` is `SQLITE_OK`, `SQLITE_ROW` or `SQLITE_DONE`.
    func check(_ result: Int32) throws {
        guard result != SQLITE_OK, result != SQLITE_ROW, result != SQLITE_DONE else { return }
        throw SQLiteError(code: result, message: String(cString: csqlite_errmsg(handle)), path: path)
    }
}

extension SQLiteConnection {
    /// The single text a query such as `PRAGMA journal_mode` returns.
    func text(_ sql: String) throws -> String {
        let statement = try prepare(sql)
        guard try statement.step() else { return "" }
        return statement.text(0)
    }
}
