import CSQLite
import NIOCore

/// A prepared statement of a ``SQLiteConnection``, reset before each use.
final class SQLiteStatement {
    private let statement: OpaquePointer?
    private unowned let connection: SQLiteConnection

    init(statement: OpaquePointer?, connection: SQLiteConnection) {
        self.statement = statement
        self.connection = connection
    }

    deinit {
        csqlite_finalize(statement)
    }

    /// Binds `values` to the parameters `?1`, `?2`, … after a reset.
    func bind(_ values: Int64...) throws {
        csqlite_reset(statement)
        for (index, value) in values.enumerated() {
            try connection.check(csqlite_bind_int64(statement, Int32(index + 1), value))
        }
    }

    /// Binds text to parameter `index` (1-based).
    func bind(text: String, at index: Int32) throws {
        try connection.check(csqlite_bind_text(statement, index, text))
    }

    /// Binds a blob to parameter `index` (1-based); SQLite copies the bytes.
    func bind(blob: ByteBuffer, at index: Int32) throws {
        let result = blob.withUnsafeReadableBytes { bytes in
            // A zero-length blob needs a non-null pointer to stay a blob rather than NULL.
            csqlite_bind_blob64(statement, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(bytes.count))
        }
        try connection.check(result)
    }

    /// Runs the statement to completion (for statements that return no
    /// rows), from its start: a reset keeps the values bound.
    func run() throws {
        csqlite_reset(statement)
        while try step() {}
    }

    /// Advances to the next row; `false` when there are no more.
    func step() throws -> Bool {
        let result = csqlite_step(statement)
        if result == SQLITE_ROW { return true }
        if result == SQLITE_DONE { return false }
        csqlite_reset(statement)
        try connection.check(result)
        return false
    }

    /// Column `index` of the current row as an integer.
    func int64(_ index: Int32) -> Int64 {
        csqlite_column_int64(statement, index)
    }

    /// Column `index` of the current row as text.
    func text(_ index: Int32) -> String {
        guard let characters = csqlite_column_text(statement, index) else { return "" }
        return String(cString: characters)
    }

    /// Column `index` of the current row as a byte buffer.
    func blob(_ index: Int32) -> ByteBuffer {
        let count = Int(csqlite_column_bytes(statement, index))
        guard count > 0, let bytes = csqlite_column_blob(statement, index) else { return ByteBuffer() }
        return ByteBuffer(bytes: UnsafeRawBufferPointer(start: bytes, count: count))
    }
}
