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
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0)
        let result = sqlite3_open_v2(path, &handle, flags, nil)
        guard result == SQLITE_OK else {
            let error = SQLiteError(code: result, message: String(cString: sqlite3_errstr(result)), path: path)
            sqlite3_close_v2(handle)
            handle = nil
            throw error
        }
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows of interest.
    func execute(_ sql: String) throws {
        try check(sqlite3_exec(handle, sql, nil, nil, nil))
    }

    /// Prepares a statement to run many times.
    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        try check(sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil))
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
        throw SQLiteError(code: result, message: String(cString: sqlite3_errmsg(handle)), path: path)
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
