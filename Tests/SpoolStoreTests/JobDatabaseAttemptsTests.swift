import NIOCore
import SpoolCore
import XCTest

@testable import SpoolStore

/// Schema version 2: each job's failed attempts and latest failure are kept,
/// and a version 1 file is upgraded in place without losing a job.
final class JobDatabaseAttemptsTests: XCTestCase {
    private func job(_ id: JobID, state: JobRecord.DurableState = .ready, attempts: UInt32 = 0, lastFailure: String? = nil) -> JobRecord {
        var counters = JobCounters()
        counters.reserves = attempts
        return JobRecord(
            id: id, tube: "mail", priority: 3, delay: 0, ttr: 30_000_000_000, state: state, readyAtWall: 0,
            createdWall: 1_700_000_000_000_000_000, counters: counters, attempts: attempts, lastFailure: lastFailure,
            body: ByteBuffer(string: "body \(id)"))
    }

    /// `record` as an update carries it: without its body.
    private func update(_ record: JobRecord) -> StoreRecord {
        var record = record
        record.body = nil
        return .update(record)
    }

    func testAttemptsAndTheLatestFailureComeBack() throws {
        let directory = try makeTemporaryDirectory()
        let reason = "exit status 1: can't open \"/srv/in\\box\"\n\tsecond line; attempt 2 of 2 ✓"
        do {
            let database = try JobDatabase(directory: directory, mode: .always)
            try database.commit([.insert(job(1)), .insert(job(2)), .insert(job(3))])
            try database.commit([
                update(job(1, state: .buried, attempts: 2, lastFailure: reason)),
                update(job(2, attempts: 1, lastFailure: "first")),
            ])
            try database.commit([update(job(2, state: .delayed, attempts: 4, lastFailure: "latest"))])
        }
        let recovered = try JobDatabase(directory: directory, mode: .always).recover()
        XCTAssertEqual(recovered.jobs, [
            job(1, state: .buried, attempts: 2, lastFailure: reason),
            job(2, state: .delayed, attempts: 4, lastFailure: "latest"),
            job(3),
        ])
    }

    func testAKickedJobKeepsItsReasonWithZeroAttempts() throws {
        let directory = try makeTemporaryDirectory()
        let database = try JobDatabase(directory: directory, mode: .always)
        try database.commit([.insert(job(1)), update(job(1, state: .buried, attempts: 5, lastFailure: "gave up"))])
        try database.commit([update(job(1, attempts: 0, lastFailure: "gave up"))])
        let recovered = try database.recover().jobs.first
        XCTAssertEqual(recovered?.attempts, 0)
        XCTAssertEqual(recovered?.lastFailure, "gave up")
    }

    func testAVersion1FileIsUpgradedInPlaceAndKeepsItsJobs() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory + "/spool.db"
        do {
            let old = try SQLiteConnection(path: path, create: true)
            try old.execute("PRAGMA auto_vacuum = INCREMENTAL")
            XCTAssertEqual(try old.text("PRAGMA journal_mode = WAL"), "wal")
            try old.execute("""
                BEGIN;
                CREATE TABLE jobs (
                    id INTEGER PRIMARY KEY, tube TEXT NOT NULL, priority INTEGER NOT NULL,
                    state INTEGER NOT NULL, delay INTEGER NOT NULL, ttr INTEGER NOT NULL,
                    ready_at INTEGER NOT NULL, created INTEGER NOT NULL,
                    reserves INTEGER NOT NULL, timeouts INTEGER NOT NULL, releases INTEGER NOT NULL,
                    buries INTEGER NOT NULL, kicks INTEGER NOT NULL, body BLOB NOT NULL);
                CREATE TABLE pauses (tube TEXT PRIMARY KEY, until_wall INTEGER NOT NULL, duration INTEGER NOT NULL);
                CREATE TABLE meta (next_job_id INTEGER NOT NULL);
                INSERT INTO meta VALUES (10);
                INSERT INTO jobs VALUES (4, 'mail', 7, 2, 0, 60000000000, 0, 1700000000000000000, 3, 1, 2, 1, 0, x'6869');
                INSERT INTO jobs VALUES (9, 'default', 0, 1, 5000000000, 1000000000, 1900000000000000000, 1700000000000000000, 0, 0, 0, 0, 0, x'');
                INSERT INTO pauses VALUES ('mail', 4000000000000000000, 7);
                PRAGMA application_id = \(JobDatabase.applicationID);
                PRAGMA user_version = 1;
                COMMIT;
                """)
        }

        do {
            let database = try JobDatabase(directory: directory, mode: .always)
            let recovered = try database.recover()
            var counters = JobCounters()
            counters.reserves = 3
            counters.timeouts = 1
            counters.releases = 2
            counters.buries = 1
            XCTAssertEqual(recovered.jobs, [
                JobRecord(
                    id: 4, tube: "mail", priority: 7, delay: 0, ttr: 60_000_000_000, state: .buried, readyAtWall: 0,
                    createdWall: 1_700_000_000_000_000_000, counters: counters, body: ByteBuffer(string: "hi")),
                JobRecord(
                    id: 9, tube: "default", priority: 0, delay: 5_000_000_000, ttr: 1_000_000_000, state: .delayed,
                    readyAtWall: 1_900_000_000_000_000_000, createdWall: 1_700_000_000_000_000_000,
                    counters: JobCounters(), body: ByteBuffer()),
            ])
            XCTAssertEqual(recovered.pauses, [.init(tube: "mail", untilWall: 4_000_000_000_000_000_000, duration: 7)])
            XCTAssertEqual(recovered.nextJobID, 10)

            var failed = try XCTUnwrap(recovered.jobs.first)
            failed.attempts = 2
            failed.lastFailure = "exit status 1"
            failed.body = nil
            try database.commit([.update(failed), .insert(job(10))])
        }

        let reopened = try JobDatabase(directory: directory, mode: .always).recover()
        XCTAssertEqual(reopened.jobs.map(\.id), [4, 9, 10])
        XCTAssertEqual(reopened.jobs.first?.attempts, 2, "the new columns are written")
        XCTAssertEqual(reopened.jobs.first?.lastFailure, "exit status 1")
        XCTAssertEqual(reopened.jobs.first?.body, ByteBuffer(string: "hi"))
        XCTAssertEqual(reopened.nextJobID, 11)
        let check = try SQLiteConnection(path: path, create: false)
        XCTAssertEqual(try check.integer("PRAGMA user_version"), 2, "upgraded once, for good")
        XCTAssertEqual(try check.integer("PRAGMA application_id"), JobDatabase.applicationID)
    }
}
