import CLibPQ
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One connection to PostgreSQL through libpq, in blocking mode: used by one
/// thread at a time (the pool hands it over under a lock).
final class PostgresConnection: @unchecked Sendable {
    private let api: UnsafePointer<cpq_api>
    private let connection: OpaquePointer
    /// The statements prepared on this connection, by their SQL: each is
    /// parsed and planned once, not on every call.
    private var prepared: [String: String] = [:]

    /// Connects with a libpq connection string or URI (`postgresql://...`);
    /// without `synchronousCommit`, commits return before the WAL is flushed.
    init(_ conninfo: String, synchronousCommit: Bool = true) throws(ClusterError) {
        var reason: UnsafePointer<CChar>?
        guard let api = cpq_load(&reason) else {
            throw .libraryMissing(reason.map { String(cString: $0) } ?? "unknown")
        }
        self.api = api
        guard let connection = api.pointee.connectdb(conninfo) else { throw .connection("out of memory") }
        guard api.pointee.status(connection) == Int32(CPQ_CONNECTION_OK) else {
            let message = Self.trimmed(api.pointee.error_message(connection))
            api.pointee.finish(connection)
            throw .connection(message)
        }
        self.connection = connection
        // The hot statements (put, delete, reserve) are planned once (a
        // custom plan per call cost ~0.2 ms at bind), and a plan made while
        // the job table was small must stay right when it is large: they
        // touch few rows, found by index (by id, or in the ready index's
        // order), so joins are nested loops over those indexes, never a
        // hash or merge join over a scan of the whole table.
        try execute("SET plan_cache_mode = force_generic_plan")
        try execute("SET enable_hashjoin = off")
        try execute("SET enable_mergejoin = off")
        if !synchronousCommit {
            try execute("SET synchronous_commit = off")
        } else if ["off", "local", "remote_write"].contains(try execute("SELECT current_setting('synchronous_commit')").text(0, 0)) {
            // A role or database set to `off` would acknowledge puts before
            // they are flushed, and `local` or `remote_write` before a
            // synchronous standby has flushed them: an acknowledged job must
            // be on disk, and survive a failover. (`remote_apply`, stronger,
            // is the admin's and stays.)
            try execute("SET synchronous_commit = on")
        }
    }

    deinit {
        api.pointee.finish(connection)
    }

    /// Whether the connection is still usable.
    var isHealthy: Bool { api.pointee.status(connection) == Int32(CPQ_CONNECTION_OK) }

    /// The connection's socket, for waiting on notifications.
    var socket: Int32 { api.pointee.socket(connection) }

    /// Runs one statement with `parameters` ($1, $2, ...), results in binary.
    /// A statement with parameters is prepared on first use and executed
    /// as prepared afterwards, unless `prepared` is false: then it is
    /// planned anew for every call, with the table's statistics of the
    /// moment (for statements that scan, such as counts and the rescue).
    @discardableResult
    func execute(_ sql: String, _ parameters: [PostgresValue] = [], prepared: Bool = true) throws(ClusterError) -> PostgresRows {
        let values = parameters.map(\.bytes)
        let lengths = values.map { Int32($0.count) }
        let formats = [Int32](repeating: 1, count: parameters.count)
        let result: OpaquePointer?
        if parameters.isEmpty || !prepared {
            let types = parameters.map(\.typeOID)
            result = withPointers(values) { pointers in
                api.pointee.exec_params(connection, sql, Int32(parameters.count), types, pointers, lengths, formats, 1)
            }
        } else {
            let name = try statementName(sql, types: parameters.map(\.typeOID))
            result = withPointers(values) { pointers in
                api.pointee.exec_prepared(connection, name, Int32(parameters.count), pointers, lengths, formats, 1)
            }
        }
        return try check(result)
    }

    /// The name of `sql` prepared on this connection, preparing it first if needed.
    private func statementName(_ sql: String, types: [UInt32]) throws(ClusterError) -> String {
        if let name = prepared[sql] { return name }
        let name = "spool\(prepared.count)"
        _ = try check(api.pointee.prepare(connection, name, sql, Int32(types.count), types))
        prepared[sql] = name
        return name
    }

    /// The rows of a result, or the error it reports.
    private func check(_ result: OpaquePointer?) throws(ClusterError) -> PostgresRows {
        guard let result else { throw .connection(Self.trimmed(api.pointee.error_message(connection))) }
        defer { api.pointee.clear(result) }
        let status = api.pointee.result_status(result)
        guard status == Int32(CPQ_PGRES_TUPLES_OK) || status == Int32(CPQ_PGRES_COMMAND_OK) else {
            let state = api.pointee.result_error_field(result, Int32(CPQ_PG_DIAG_SQLSTATE)).map { String(cString: $0) } ?? ""
            var message = Self.trimmed(api.pointee.result_error_message(result))
            if message.isEmpty { message = Self.trimmed(api.pointee.error_message(connection)) }
            throw .statement(sqlState: state, message: message)
        }
        return rows(of: result)
    }

    /// Reads what arrived on the socket and returns the notifications' payloads.
    func notifications() throws(ClusterError) -> [String] {
        guard api.pointee.consume_input(connection) == 1 else {
            throw .connection(Self.trimmed(api.pointee.error_message(connection)))
        }
        var payloads: [String] = []
        while let notify = api.pointee.notifies(connection) {
            payloads.append(notify.pointee.extra.map { String(cString: $0) } ?? "")
            api.pointee.freemem(notify)
        }
        return payloads
    }

    private func rows(of result: OpaquePointer) -> PostgresRows {
        let count = Int(api.pointee.ntuples(result))
        let columns = Int(api.pointee.nfields(result))
        var rows: [[[UInt8]?]] = []
        rows.reserveCapacity(count)
        for row in 0..<Int32(count) {
            rows.append((0..<Int32(columns)).map { column in
                if api.pointee.getisnull(result, row, column) == 1 { return nil }
                let length = Int(api.pointee.getlength(result, row, column))
                guard let value = api.pointee.getvalue(result, row, column) else { return [] }
                return value.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
            })
        }
        let affected = api.pointee.cmd_tuples(result).map { Int(String(cString: $0)) ?? 0 } ?? 0
        return PostgresRows(rows: rows, affected: affected)
    }

    private func withPointers<T>(_ values: [[UInt8]], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
        let buffers = values.map { value -> UnsafeMutableBufferPointer<UInt8> in
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(value.count, 1))
            _ = buffer.initialize(from: value)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        return body(buffers.map { UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self) })
    }

    private static func trimmed(_ message: UnsafeMutablePointer<CChar>?) -> String {
        guard let message else { return "" }
        var text = String(cString: message)
        while text.last?.isWhitespace == true { text.removeLast() }
        return text
    }
}
