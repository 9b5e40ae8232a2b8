import CSQLite
import NIOCore
import SpoolCore

#if canImport(Glibc)
import Glibc
#endif

/// The SQLite file that holds the queue, `spool.db` in the state directory,
/// in WAL mode.
///
/// Used from one thread at a time: at start-up to recover, then only from the
/// store's writer thread.
final class JobDatabase: @unchecked Sendable {
    /// Marks the file as Spool's (`PRAGMA application_id`, "SPOL").
    static let applicationID: Int64 = 0x5350_4F4C
    /// The schema's version (`PRAGMA user_version`).
    static let schemaVersion: Int64 = 2
    /// Free pages beyond which an incremental vacuum gives space back to the file system.
    static let vacuumThresholdPages: Int64 = 2048

    /// The database file.
    let path: String
    private let directory: String
    private let connection: SQLiteConnection
    private let insertJob: SQLiteStatement
    private let updateJob: SQLiteStatement
    private let deleteJob: SQLiteStatement
    private let upsertPause: SQLiteStatement
    private let raiseNextID: SQLiteStatement
    // Prepared once: `execute` would parse them again for every commit.
    private let begin: SQLiteStatement
    private let commitTransaction: SQLiteStatement
    private var commitsSinceVacuumCheck = 0
    /// `meta.next_job_id` as committed. Ids are never handed out twice: at
    /// recovery the next id is above both it and the highest id in `jobs`,
    /// so it only has to be raised when a commit deletes an id at or above
    /// it (the row that held the highest id goes); a put alone writes no
    /// `meta` page.
    private var persistedNextID: JobID = 1
    /// The highest id of every job ever inserted, committed or cancelled out.
    private var highestInsertedID: JobID = 0

    /// Opens or creates the database in `directory` for `mode`.
    /// - Throws: ``StoreError`` naming the file when it is foreign, damaged or
    ///   of an unknown version, or when the directory cannot be written.
    init(directory: String, mode: DurabilityMode) throws {
        self.directory = directory
        path = directory + "/spool.db"
        do {
            connection = try SQLiteConnection(path: path, create: true)
            let existed = try Self.checkIdentity(connection)
            // Only possible before the first table exists, and before WAL mode writes the header.
            if !existed { try connection.execute("PRAGMA auto_vacuum = INCREMENTAL") }
            // spoold.lock already keeps every other process out: holding
            // SQLite's lock for good saves a lock and an unlock per commit,
            // and keeps the WAL index in memory (no -shm file).
            try connection.execute("PRAGMA locking_mode = EXCLUSIVE")
            let journalMode = try connection.text("PRAGMA journal_mode = WAL")
            guard journalMode == "wal" else {
                throw StoreError.unusableDirectory(path: directory, reason: "SQLite cannot use WAL mode there (\(journalMode))")
            }
            try connection.execute("""
                PRAGMA synchronous = \(mode == .always ? "FULL" : mode == .nosync ? "OFF" : "NORMAL");
                PRAGMA journal_size_limit = 16777216;
                PRAGMA foreign_keys = OFF;
                """)
            if !existed { try Self.createSchema(connection) }
            insertJob = try connection.prepare("""
                INSERT INTO jobs (id, tube, priority, state, delay, ttr, ready_at, created,
                                  reserves, timeouts, releases, buries, kicks, attempts, body)
                VALUES (?1, ?15, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                """)
            updateJob = try connection.prepare("""
                UPDATE jobs SET priority = ?2, state = ?3, delay = ?4, ttr = ?5, ready_at = ?6, created = ?7,
                                reserves = ?8, timeouts = ?9, releases = ?10, buries = ?11, kicks = ?12,
                                attempts = ?13, reason = ?14
                WHERE id = ?1
                """)
            deleteJob = try connection.prepare("DELETE FROM jobs WHERE id = ?1")
            upsertPause = try connection.prepare("""
                INSERT INTO pauses (tube, until_wall, duration) VALUES (?3, ?1, ?2)
                ON CONFLICT (tube) DO UPDATE SET until_wall = excluded.until_wall, duration = excluded.duration
                """)
            raiseNextID = try connection.prepare("UPDATE meta SET next_job_id = max(next_job_id, ?1)")
            begin = try connection.prepare("BEGIN IMMEDIATE")
            commitTransaction = try connection.prepare("COMMIT")
            persistedNextID = JobID(try connection.integer("SELECT next_job_id FROM meta"))
            highestInsertedID = JobID(try connection.integer("SELECT coalesce(max(id), 0) FROM jobs"))
        } catch let error as SQLiteError {
            throw Self.storeError(error, directory: directory)
        }
    }

    /// Reads back everything stored, for the engine to restore.
    /// - Throws: ``StoreError/corrupt(path:reason:)`` when a page cannot be read.
    func recover() throws -> RecoveredQueue {
        do {
            var queue = RecoveredQueue()
            let jobs = try connection.prepare("""
                SELECT id, tube, priority, state, delay, ttr, ready_at, created,
                       reserves, timeouts, releases, buries, kicks, body, attempts, reason
                FROM jobs ORDER BY id
                """)
            while try jobs.step() {
                guard let state = JobRecord.DurableState(code: jobs.int64(3)) else {
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
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            // Ended pauses are of no use any more: drop them so the table stays small.
            try connection.execute("DELETE FROM pauses WHERE until_wall <= \(Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec))")
            let pauses = try connection.prepare("SELECT tube, until_wall, duration FROM pauses")
            while try pauses.step() {
                queue.pauses.append(.init(tube: pauses.text(0), untilWall: pauses.int64(1), duration: pauses.int64(2)))
            }
            queue.nextJobID = max(persistedNextID, highestInsertedID + 1)
            return queue
        } catch let error as SQLiteError {
            throw Self.storeError(error, directory: directory)
        }
    }

    /// Commits `batch` in one transaction. Records that cancel out within the
    /// batch (a job put and deleted before the commit) never reach the disk.
    /// A record that SQLite refuses on its own (``SQLiteError/isRecordSpecific``)
    /// is left out and the rest commit; a failure of the transaction itself
    /// (disk full, I/O error) commits nothing and throws.
    /// - Returns: the indices in `batch` of the records left out, with why.
    @discardableResult
    func commit(_ batch: [StoreRecord]) throws -> [(index: Int, error: SQLiteError)] {
        var inserted = Set<JobID>()
        var deleted = Set<JobID>()
        for record in batch {
            switch record {
            case .insert(let job):
                inserted.insert(job.id)
                highestInsertedID = max(highestInsertedID, job.id)
            case .delete(let id): deleted.insert(id)
            case .update, .pause: break
            }
        }
        let raisedNextID = deleted.contains { $0 >= persistedNextID } ? highestInsertedID + 1 : nil
        var rejected: [(index: Int, error: SQLiteError)] = []
        try begin.run()
        do {
            for (index, record) in batch.enumerated() {
                do {
                    try write(record, inserted: inserted, deleted: deleted)
                } catch let error as SQLiteError where error.isRecordSpecific {
                    rejected.append((index, error))
                }
            }
            if let raisedNextID {
                try raiseNextID.bind(Int64(raisedNextID))
                try raiseNextID.run()
            }
            try commitTransaction.run()
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
        if let raisedNextID { persistedNextID = max(persistedNextID, raisedNextID) }
        reclaimSpaceIfWorthwhile()
        return rejected
    }

    /// Writes one record of a batch; `inserted` and `deleted` name the jobs
    /// the batch puts and deletes, whose records cancel out.
    private func write(_ record: StoreRecord, inserted: Set<JobID>, deleted: Set<JobID>) throws {
        switch record {
        case .insert(let job) where !deleted.contains(job.id):
            try bind(job, to: insertJob)
            try insertJob.bind(text: job.tube, at: 15)
            try insertJob.bind(blob: job.body ?? ByteBuffer(), at: 14)
            try insertJob.run()
        case .update(let job) where !deleted.contains(job.id):
            try bind(job, to: updateJob)
            try updateJob.bind(text: job.lastFailure ?? "", at: 14)
            try updateJob.run()
        case .delete(let id) where !inserted.contains(id):
            try deleteJob.bind(Int64(id))
            try deleteJob.run()
        case .pause(let tube, let untilWall, let duration):
            try upsertPause.bind(untilWall, duration)
            try upsertPause.bind(text: tube, at: 3)
            try upsertPause.run()
        case .insert, .update, .delete:
            break
        }
    }

    /// Copies the WAL into the database file and fsyncs both; `interval:MS`
    /// mode calls it every MS milliseconds.
    func checkpoint() throws {
        try connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    }

    /// Bytes that new jobs can still use: free space on the file system plus
    /// the database's own free pages.
    func availableBytes() -> Int64 {
        var fileSystem = statvfs()
        guard statvfs(directory, &fileSystem) == 0 else { return 0 }
        let free = Int64(fileSystem.f_bavail) * Int64(fileSystem.f_frsize)
        let freePages = (try? connection.integer("PRAGMA freelist_count")) ?? 0
        let pageSize = (try? connection.integer("PRAGMA page_size")) ?? 0
        return free + freePages * pageSize
    }

    /// Gives free pages back to the file system once there are many, so that
    /// a queue that was large once does not keep its peak size for ever. The
    /// batch is committed already: a failure here (a full disk) only means
    /// the pages stay free inside the file, and the next check tries again.
    private func reclaimSpaceIfWorthwhile() {
        commitsSinceVacuumCheck += 1
        guard commitsSinceVacuumCheck >= 256 else { return }
        commitsSinceVacuumCheck = 0
        guard let freePages = try? connection.integer("PRAGMA freelist_count"),
              let pages = try? connection.integer("PRAGMA page_count"),
              freePages >= Self.vacuumThresholdPages, freePages * 4 >= pages
        else { return }
        try? connection.execute("PRAGMA incremental_vacuum")
    }

    /// Binds the columns shared by inserts and updates (?1 to ?13).
    private func bind(_ job: JobRecord, to statement: SQLiteStatement) throws {
        try statement.bind(
            Int64(job.id), Int64(job.priority), job.state.code, job.delay, job.ttr, job.readyAtWall, job.createdWall,
            Int64(job.counters.reserves), Int64(job.counters.timeouts), Int64(job.counters.releases),
            Int64(job.counters.buries), Int64(job.counters.kicks), Int64(job.attempts))
    }

    /// Refuses another program's database, or a newer format, before touching
    /// anything. Returns whether the file holds Spool's schema; a file with
    /// no tables and no application id (new, or a first start cut short
    /// before the schema was committed) is taken as new.
    private static func checkIdentity(_ connection: SQLiteConnection) throws -> Bool {
        let applicationID = try connection.integer("PRAGMA application_id")
        if applicationID == 0, try connection.integer("SELECT count(*) FROM sqlite_master") == 0 { return false }
        guard applicationID == Self.applicationID else {
            throw StoreError.foreign(path: connection.path, reason: "its application id is \(applicationID), not Spool's")
        }
        let version = try connection.integer("PRAGMA user_version")
        guard version == Self.schemaVersion || version == 1 else {
            throw StoreError.unsupportedVersion(path: connection.path, version: version)
        }
        if version == 1 { try upgradeFromVersion1(connection) }
        return true
    }

    /// Version 2 keeps each job's failed attempts and the latest failure's reason.
    private static func upgradeFromVersion1(_ connection: SQLiteConnection) throws {
        try connection.execute("""
            BEGIN;
            ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE jobs ADD COLUMN reason TEXT NOT NULL DEFAULT '';
            PRAGMA user_version = 2;
            COMMIT;
            """)
    }

    private static func createSchema(_ connection: SQLiteConnection) throws {
        try connection.execute("""
            BEGIN;
            CREATE TABLE jobs (
                id INTEGER PRIMARY KEY, tube TEXT NOT NULL, priority INTEGER NOT NULL,
                state INTEGER NOT NULL, delay INTEGER NOT NULL, ttr INTEGER NOT NULL,
                ready_at INTEGER NOT NULL, created INTEGER NOT NULL,
                reserves INTEGER NOT NULL, timeouts INTEGER NOT NULL, releases INTEGER NOT NULL,
                buries INTEGER NOT NULL, kicks INTEGER NOT NULL, body BLOB NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '');
            CREATE TABLE pauses (tube TEXT PRIMARY KEY, until_wall INTEGER NOT NULL, duration INTEGER NOT NULL);
            CREATE TABLE meta (next_job_id INTEGER NOT NULL);
            INSERT INTO meta VALUES (1);
            PRAGMA application_id = \(applicationID);
            PRAGMA user_version = \(schemaVersion);
            COMMIT;
            """)
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

extension JobRecord.DurableState {
    /// The state's number in the `jobs.state` column.
    var code: Int64 {
        switch self {
        case .ready: 0
        case .delayed: 1
        case .buried: 2
        }
    }

    /// The state stored as `code`.
    init?(code: Int64) {
        switch code {
        case 0: self = .ready
        case 1: self = .delayed
        case 2: self = .buried
        default: return nil
        }
    }
}
