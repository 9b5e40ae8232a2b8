import Foundation
import NIOCore
import SpoolCore
import XCTest

@testable import SpoolStore

/// The SQLite file itself: what is committed comes back, and what is not a
/// Spool database is refused with its path.
final class JobDatabaseTests: XCTestCase {
    private func job(_ id: JobID, state: JobRecord.DurableState = .ready, tube: String = "default", body: String? = "body") -> JobRecord {
        var counters = JobCounters()
        counters.releases = 2
        counters.buries = state == .buried ? 1 : 0
        return JobRecord(
            id: id, tube: tube, priority: UInt32(id * 10), delay: state == .delayed ? 5_000_000_000 : 0,
            ttr: 60_000_000_000, state: state, readyAtWall: state == .delayed ? 1_900_000_000_000_000_000 : 0,
            createdWall: 1_700_000_000_000_000_000, counters: counters, body: body.map { ByteBuffer(string: $0) })
    }

    func testCommittedRecordsComeBack() throws {
        let directory = try makeTemporaryDirectory()
        do {
            let database = try JobDatabase(directory: directory, mode: .always)
            try database.commit([.insert(job(1)), .insert(job(2, state: .delayed, tube: "mail")), .insert(job(3))])
            var buried = job(3, state: .buried)
            buried.body = nil
            try database.commit([
                .update(buried), .delete(1), .pause(tube: "mail", untilWall: 4_000_000_000_000_000_000, duration: 7),
                .pause(tube: "over", untilWall: 42, duration: 7),
            ])
        }
        let recovered = try JobDatabase(directory: directory, mode: .always).recover()
        var expectedBuried = job(3, state: .buried)
        expectedBuried.body = ByteBuffer(string: "body")
        XCTAssertEqual(recovered.jobs, [job(2, state: .delayed, tube: "mail"), expectedBuried])
        XCTAssertEqual(recovered.pauses, [.init(tube: "mail", untilWall: 4_000_000_000_000_000_000, duration: 7)], "ended pauses are dropped")
        XCTAssertEqual(recovered.nextJobID, 4)
    }

    func testAJobPutAndDeletedInOneBatchNeverReachesTheDiskButItsIDIsUsed() throws {
        let directory = try makeTemporaryDirectory()
        let database = try JobDatabase(directory: directory, mode: .always)
        try database.commit([.insert(job(7)), .update(job(7, state: .buried)), .delete(7)])
        let recovered = try database.recover()
        XCTAssertEqual(recovered.jobs, [])
        XCTAssertEqual(recovered.nextJobID, 8, "a deleted highest id is never handed out again")
    }

    /// A put alone leaves `meta` alone (one page less per commit); the next
    /// id still comes out above every id ever handed out, across reopenings,
    /// once the highest job is deleted too.
    func testIDsNeverRepeatThoughOnlyDeletesRaiseTheStoredNextID() throws {
        let directory = try makeTemporaryDirectory()
        // Each opening in a scope of its own: the database holds its lock until it goes.
        func commit(_ batches: [[StoreRecord]]) throws {
            let database = try JobDatabase(directory: directory, mode: .always)
            for batch in batches { try database.commit(batch) }
        }
        func nextID() throws -> JobID {
            try JobDatabase(directory: directory, mode: .always).recover().nextJobID
        }
        try commit([[.insert(job(5))]])
        XCTAssertEqual(try nextID(), 6)
        try commit([[.delete(5)]])
        XCTAssertEqual(try nextID(), 6, "job 5 is gone, its id is not")
        try commit([[.insert(job(6))], [.insert(job(7))], [.delete(7), .delete(6)]])
        XCTAssertEqual(try nextID(), 8)
    }

    func testEmptyBodiesStayEmpty() throws {
        let directory = try makeTemporaryDirectory()
        let database = try JobDatabase(directory: directory, mode: .nosync)
        try database.commit([.insert(job(1, body: ""))])
        XCTAssertEqual(try database.recover().jobs.first?.body, ByteBuffer())
    }

    func testNewDatabaseUsesWALAndIncrementalVacuum() throws {
        let directory = try makeTemporaryDirectory()
        _ = try JobDatabase(directory: directory, mode: .always)
        let check = try SQLiteConnection(path: directory + "/spool.db", create: false)
        XCTAssertEqual(try check.text("PRAGMA journal_mode"), "wal")
        XCTAssertEqual(try check.integer("PRAGMA auto_vacuum"), 2, "INCREMENTAL")
        XCTAssertEqual(try check.integer("PRAGMA application_id"), JobDatabase.applicationID)
    }

    func testDeletedJobsGiveTheirSpaceBack() throws {
        let directory = try makeTemporaryDirectory()
        do {
            let database = try JobDatabase(directory: directory, mode: .nosync)
            let body = String(repeating: "x", count: 4000)
            for round in 0..<4 {
                let ids = (1...2000).map { JobID(round * 2000 + $0) }
                try database.commit(ids.map { .insert(job($0, body: body)) })
                try database.commit(ids.map { .delete($0) })
            }
            for _ in 0..<300 { try database.commit([]) }
        }
        let check = try SQLiteConnection(path: directory + "/spool.db", create: false)
        XCTAssertLessThan(try check.integer("PRAGMA freelist_count"), JobDatabase.vacuumThresholdPages)
        XCTAssertLessThan(try check.integer("PRAGMA page_count"), 2 * JobDatabase.vacuumThresholdPages, "the file shrank")
    }

    func testTheDatabaseIsLockedForOtherConnectionsWhileOpen() throws {
        let directory = try makeTemporaryDirectory()
        let database = try JobDatabase(directory: directory, mode: .always)
        try database.commit([.insert(job(1))])
        let other = try SQLiteConnection(path: directory + "/spool.db", create: false)
        XCTAssertThrowsError(try other.integer("SELECT count(*) FROM jobs"), "exclusive locking mode")
        withExtendedLifetime(database) {}
    }

    func testAFirstStartCutShortBeforeTheSchemaIsStartedAgain() throws {
        let directory = try makeTemporaryDirectory()
        do {
            let cut = try SQLiteConnection(path: directory + "/spool.db", create: true)
            XCTAssertEqual(try cut.text("PRAGMA journal_mode = WAL"), "wal")
        }
        let database = try JobDatabase(directory: directory, mode: .always)
        try database.commit([.insert(job(1))])
        XCTAssertEqual(try database.recover().jobs.map(\.id), [1])
    }

    func testGarbageFileIsRefusedWithItsPath() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory + "/spool.db"
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try garbage.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try JobDatabase(directory: directory, mode: .always)) { error in
            guard case .foreign(let named, _) = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(named, path)
            XCTAssertTrue("\(error)".contains(path))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), garbage, "left untouched")
    }

    func testAnotherProgramsDatabaseIsRefused() throws {
        let directory = try makeTemporaryDirectory()
        do {
            let other = try SQLiteConnection(path: directory + "/spool.db", create: true)
            try other.execute("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')")
        }
        XCTAssertThrowsError(try JobDatabase(directory: directory, mode: .always)) { error in
            guard case .foreign(let path, _) = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, directory + "/spool.db")
        }
    }

    func testNewerFormatIsRefused() throws {
        let directory = try makeTemporaryDirectory()
        _ = try JobDatabase(directory: directory, mode: .always)
        try SQLiteConnection(path: directory + "/spool.db", create: false).execute("PRAGMA user_version = 99")
        XCTAssertThrowsError(try JobDatabase(directory: directory, mode: .always)) { error in
            XCTAssertEqual(error as? StoreError, .unsupportedVersion(path: directory + "/spool.db", version: 99))
        }
    }

    func testTruncatedDatabaseIsReportedCorruptNotEmptied() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory + "/spool.db"
        do {
            let database = try JobDatabase(directory: directory, mode: .always)
            let body = String(repeating: "y", count: 1000)
            try database.commit((1...3000).map { .insert(job(JobID($0), body: body)) })
            try database.checkpoint()
        }
        try? FileManager.default.removeItem(atPath: path + "-wal")
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        XCTAssertEqual(truncate(path, off_t(size / 2)), 0)
        XCTAssertThrowsError(try JobDatabase(directory: directory, mode: .always).recover()) { error in
            guard case .corrupt(let named, _) = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(named, path)
        }
    }
}
