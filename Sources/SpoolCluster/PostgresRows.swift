import NIOCore

/// The rows a statement returned, copied out of libpq's result, each column
/// in the binary format (integers big-endian) or nil for NULL.
struct PostgresRows: Sendable {
    /// The rows' columns.
    var rows: [[[UInt8]?]]
    /// The number of rows the statement changed (`PQcmdTuples`), 0 when it says none.
    var affected: Int

    var count: Int { rows.count }

    func isNull(_ row: Int, _ column: Int) -> Bool { rows[row][column] == nil }

    func int64(_ row: Int, _ column: Int) -> Int64 {
        guard let bytes = rows[row][column] else { return 0 }
        return bytes.reduce(into: Int64(0)) { $0 = $0 << 8 | Int64($1) }
    }

    func int32(_ row: Int, _ column: Int) -> Int32 {
        guard let bytes = rows[row][column] else { return 0 }
        return bytes.reduce(into: Int32(0)) { $0 = $0 << 8 | Int32($1) }
    }

    func bool(_ row: Int, _ column: Int) -> Bool {
        rows[row][column]?.first == 1
    }

    func text(_ row: Int, _ column: Int) -> String {
        String(decoding: rows[row][column] ?? [], as: UTF8.self)
    }

    func buffer(_ row: Int, _ column: Int) -> ByteBuffer {
        ByteBuffer(bytes: rows[row][column] ?? [])
    }
}
