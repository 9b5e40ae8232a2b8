import CSQLite
import NIOCore
import SpoolCore

#if canImport(Glibc)
import Glibc
#endif

/// `spool.db`, the SQLite database in which earlier spoold releases kept
/// the queue. A state directory that still holds one is converted to the
/// journal at start-up: this reads it, once.
final class LegacyDatabase {
    /// Marks the file as Spool's (`PRAGMA application_id`, "SPOL").
    static let applicationID: Int64 = 0x5350_4F4C
    /// The file's name in the state directory.
    static let fileName = "spool.db"

    /// The database file.
    let path: String
    private let directory: String
    private let connection: SQLiteConnection
    private let version: Int64

    /// Opens the database in `directory`.
    /// - Throws: ``StoreError`` naming the file when it is foreign, damaged or
    ///   of an unknown version.
    init(directory: String) throws {
        self.directory = directory
        path = directory + "/" + Self.fileName
        do {
            connection = try SQLiteConnection(path: path, create: false)
            version = try Self.checkIdentity(connection)
        } catch let error as SQLiteError {
            throw Self.storeError(error, directory: directory)
        }
    }

    /// Whether `directory` holds a legacy database.
    static func exists(in directory: String) -> Bool {
        access(directory + "/" + fileName, F_OK) == 0
    }

    /// Deletes the database and its WAL, once the journal holds everything.
    static func remove(from directory: String) throws {
        for suffix in ["", "-wal", "-shm"] {
            let path = directory + "/" + fileName + suffix
            guard unlink(path) == 0 || errno == ENOENT else {
                throw StoreError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// Reads back everything stored, for the engine to restore.
    /// - Throws: ``StoreError/corrupt(path:reason:)`` when a page cannot be read.
    func recover() throws -> RecoveredQueue {
        guard version > 0 else { return RecoveredQueue() }
        do {
            var queue = RecoveredQueue()
            let jobs = try connection.prepare("""
                SELECT id, tube, priority, state, delay, ttr, ready_at, created,
                       reserves, timeouts, releases, buries, kicks, body,
                       \(version == 1 ? "0, ''" : "attempts, reason")
                FROM jobs ORDER BY id
                """)
            while try jobs.step() {
                guard let state = JobRecord.DurableState(code: UInt8(clamping: jobs.int64(3))) else {
                    throw StoreError.corrupt(path: path, reason: "job \(jobs.int64(0)) has an unknown state \(jobs.int64(3))")
                }
                var counters = JobCounters()
                counters.reserves = UInt32(truncatingIfNeeded: jobs.int64(8))
                counters.timeouts = UInt32(truncatingIfNeeded: jobs.int64(9))
                counters.releases = UInt32(truncatingIfNeeded: jobs.int64(10))
                counters.buries = UInt32(truncatingIfNeeded: jobs.int64(11))
                counters.kicks = UInt32(truncatingIfNeeded: jobs.int64(12))
                queue.jobs.append(JobRecord(
                    id: JobID(jobs.int64(0)), tube: jobs.text(1), priority: UInt32(truncatingIfNeeded: jobs.int64(2)),
                    delay: jobs.int64(4), ttr: jobs.int64(5), state: state, readyAtWall: jobs.int64(6),
                    createdWall: jobs.int64(7), counters: counters, attempts: UInt32(truncatingIfNeeded: jobs.int64(14)),
                    lastFailure: jobs.text(15).isEmpty ? nil : jobs.text(15), body: jobs.blob(13)))
            }
            let pauses = try connection.prepare("SELECT tube, until_wall, duration FROM pauses")
            while try pauses.step() {
                queue.pauses.append(.init(tube: pauses.text(0), untilWall: pauses.int64(1), duration: pauses.int64(2)))
            }
            let nextJobID = JobID(try connection.integer("SELECT next_job_id FROM meta"))
            queue.nextJobID = max(nextJobID, (queue.jobs.last?.id ?? 0) + 1)
            return queue
        } catch let error as SQLiteError {
            throw Self.storeError(error, directory: directory)
        }
    }

    /// Refuses another program's database, or an unknown format, before
    /// reading anything; returns the schema's version (1 or 2), or 0 for a
    /// file without tables (a first start cut short before its schema).
    private static func checkIdentity(_ connection: SQLiteConnection) throws -> Int64 {
        let applicationID = try connection.integer("PRAGMA application_id")
        if applicationID == 0, try connection.integer("SELECT count(*) FROM sqlite_master") == 0 { return 0 }
        guard applicationID == Self.applicationID else {
            throw StoreError.foreign(path: connection.path, reason: "its application id is \(applicationID), not Spool's")
        }
        let version = try connection.integer("PRAGMA user_version")
        guard version == 1 || version == 2 else {
            throw StoreError.unsupportedVersion(path: connection.path, version: version)
        }
        return version
    }

    /// Names the problem for an admin: damaged, foreign, or a plain failure.
    private static func storeError(_ error: SQLiteError, directory: String) -> StoreError {
        if error.primaryCode == SQLITE_NOTADB { return .foreign(path: error.path, reason: error.message) }
        if error.isCorrupt { return .corrupt(path: error.path, reason: error.message) }
        if error.primaryCode == SQLITE_CANTOPEN || error.primaryCode == SQLITE_READONLY {
            return .unusableDirectory(path: directory, reason: error.message)
        }
        return .sqlite(error)
    }
}
