import SpoolTestSupport
import Foundation
import Logging
import NIOCore
import SpoolCore
import XCTest

@testable import SpoolStore

/// A state directory of an earlier spoold, with its queue in `spool.db`, is
/// converted to the journal once; what is not a Spool database is refused
/// with its path and left alone.
final class LegacyDatabaseTests: XCTestCase {
    /// Writes a version-2 `spool.db` (as earlier spoold releases did) holding `jobs`.
    private func makeLegacyDatabase(_ directory: String, jobs: [JobRecord], version: Int = 2, nextJobID: JobID = 1) throws {
        let connection = try SQLiteConnection(path: directory + "/spool.db", create: true)
        try connection.execute("""
            BEGIN;
            CREATE TABLE jobs (
                id INTEGER PRIMARY KEY, tube TEXT NOT NULL, priority INTEGER NOT NULL,
                state INTEGER NOT NULL, delay INTEGER NOT NULL, ttr INTEGER NOT NULL,
                ready_at INTEGER NOT NULL, created INTEGER NOT NULL,
                reserves INTEGER NOT NULL, timeouts INTEGER NOT NULL, releases INTEGER NOT NULL,
                buries INTEGER NOT NULL, kicks INTEGER NOT NULL, body BLOB NOT NULL
                \(version == 2 ? ", attempts INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT ''" : ""));
            CREATE TABLE pauses (tube TEXT PRIMARY KEY, until_wall INTEGER NOT NULL, duration INTEGER NOT NULL);
            CREATE TABLE meta (next_job_id INTEGER NOT NULL);
            INSERT INTO meta VALUES (\(nextJobID));
            INSERT INTO pauses VALUES ('mail', 1900000000000000000, 60000000000);
            PRAGMA application_id = \(LegacyDatabase.applicationID);
            PRAGMA user_version = \(version);
            """)
        for job in jobs {
            let body = String(buffer: job.body ?? ByteBuffer())
            try connection.execute("""
                INSERT INTO jobs VALUES (\(job.id), '\(job.tube)', \(job.priority), \(Int(job.state.code)), \(job.delay), \(job.ttr),
                  \(job.readyAtWall), \(job.createdWall), \(job.counters.reserves), \(job.counters.timeouts),
                  \(job.counters.releases), \(job.counters.buries), \(job.counters.kicks), CAST('\(body)' AS BLOB)
                  \(version == 2 ? ", \(job.attempts), '\(job.lastFailure ?? "")'" : ""))
                """)
        }
        try connection.execute("COMMIT")
    }

    func testAVersion2DatabaseIsConvertedOnceAndItsBodiesReadBack() throws {
        let directory = try TestScratch.temporaryDirectory().path
        let jobs = [storeJob(3, attempts: 1, lastFailure: "exit 2"), storeJob(7, state: .buried, tube: "mail"), storeJob(9, state: .delayed)]
        try makeLegacyDatabase(directory, jobs: jobs, nextJobID: 12)
        let harness = try StoreHarness(path: directory)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/spool.db"), "the database is gone once converted")
        XCTAssertEqual(harness.recovered.jobs.map { job in var job = job; job.storedBody = nil; return job }, jobs.map { recoveredJob($0, nil) })
        XCTAssertEqual(harness.recovered.nextJobID, 12)
        XCTAssertEqual(harness.recovered.pauses.map(\.tube), ["mail"])
        let recovered = harness.recovered
        let bodies = try harness.onLoop { store in recovered.jobs.map { String(buffer: try! store.body($0.storedBody!)) } }
        XCTAssertEqual(bodies, ["body", "body", "body"])
        XCTAssertEqual(try StoreHarness.reopen(harness).jobs.map(\.id), [3, 7, 9], "the journal holds them now")
    }

    func testAVersion1DatabaseIsConvertedWithoutAttempts() throws {
        let directory = try TestScratch.temporaryDirectory().path
        try makeLegacyDatabase(directory, jobs: [storeJob(1), storeJob(2)], version: 1)
        let harness = try StoreHarness(path: directory)
        XCTAssertEqual(harness.recovered.jobs.map(\.id), [1, 2])
        XCTAssertEqual(harness.recovered.nextJobID, 3)
        try harness.close()
    }

    private func assertRefused(_ directory: String, _ check: (StoreError) -> Void) {
        let path = directory + "/spool.db"
        let before = try? Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try StateDirectory.open(directory, mode: .always, logger: Logger(label: "test"))) { error in
            guard let error = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.description.contains(path), error.description)
            check(error)
        }
        XCTAssertEqual(try? Data(contentsOf: URL(fileURLWithPath: path)), before, "left untouched")
    }

    func testGarbageIsRefusedWithItsPath() throws {
        let directory = try TestScratch.temporaryDirectory().path
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: directory + "/spool.db"))
        assertRefused(directory) { guard case .foreign = $0 else { return XCTFail("\($0)") } }
    }

    func testAnotherProgramsDatabaseIsRefused() throws {
        let directory = try TestScratch.temporaryDirectory().path
        try SQLiteConnection(path: directory + "/spool.db", create: true)
            .execute("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')")
        assertRefused(directory) { guard case .foreign = $0 else { return XCTFail("\($0)") } }
    }

    func testAnUnknownVersionIsRefused() throws {
        let directory = try TestScratch.temporaryDirectory().path
        try makeLegacyDatabase(directory, jobs: [])
        try SQLiteConnection(path: directory + "/spool.db", create: false).execute("PRAGMA user_version = 99")
        assertRefused(directory) { XCTAssertEqual($0, .unsupportedVersion(path: directory + "/spool.db", version: 99)) }
    }

    func testATruncatedDatabaseIsReportedDamaged() throws {
        let directory = try TestScratch.temporaryDirectory().path
        try makeLegacyDatabase(directory, jobs: (1...3000).map { storeJob(JobID($0), body: String(repeating: "y", count: 1000)) })
        let path = directory + "/spool.db"
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        XCTAssertEqual(truncate(path, off_t(size / 2)), 0)
        assertRefused(directory) { guard case .corrupt = $0 else { return XCTFail("\($0)") } }
    }
}
