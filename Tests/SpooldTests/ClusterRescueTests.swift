import Foundation
@testable import SpoolCluster
import XCTest

/// What the rescue's thread reports, read once it has signalled.
private final class RescueOutcome: @unchecked Sendable {
    var error: ClusterError?
}

/// The rescue's statement against a real PostgreSQL (a throw-away cluster),
/// with the interleavings of other sessions made to happen in order.
final class ClusterRescueTests: XCTestCase {
    nonisolated(unsafe) private static var postgres: PostgresFixture?

    override class func tearDown() {
        postgres?.stop()
        postgres = nil
    }

    /// Registers a node on `connection` as a node does: its row, and its
    /// liveness lock held as long as the connection is; returns its id.
    private func register(_ connection: PostgresConnection) throws -> Int32 {
        try connection.execute(
            """
            WITH node AS (INSERT INTO spool_nodes (host, pid) VALUES ('test', 1) RETURNING id)
            SELECT id, pg_advisory_lock($1, id)::text FROM node
            """, [.int32(ClusterSchema.lockClass)]
        ).int32(0, 0)
    }

    /// A rescue that releases a dead node's reservation and, while it waits
    /// for the job's row, sees it given to a node that registered after the
    /// rescue began, leaves it that node's (found by review: the statement's
    /// snapshot lacks the new node's row, so the reservation looked
    /// orphaned and went back to ready while the new node's client held it).
    func testARescueLeavesTheReservationOfANodeThatRegisteredWhileItRan() throws {
        if Self.postgres == nil { Self.postgres = try PostgresFixture() }
        let fixture = try XCTUnwrap(Self.postgres)
        let url = try fixture.newDatabase()
        let setup = try PostgresConnection(url)
        try ClusterSchema.prepare(setup)
        // A dead node (a row without its lock) holds job X.
        let dead = try setup.execute("INSERT INTO spool_nodes (host, pid) VALUES ('dead', 1) RETURNING id").int32(0, 0)
        let job = try setup.execute(
            """
            INSERT INTO spool_jobs (tube, priority, delay, ttr, body, ready_at, state, owner_node, owner_session, lease_until)
            VALUES ('default', 0, 0, 3600, '\\x00', now(), 1, $1, 1, now() + interval '1 hour') RETURNING id
            """, [.int32(dead)]
        ).int64(0, 0)
        let rescuer = try PostgresConnection(url)
        let rescuerID = try register(rescuer)
        let rescuerPID = try rescuer.execute("SELECT pg_backend_pid()").int32(0, 0)
        // Another session holds X's row, so that the rescue waits for it.
        let holder = try PostgresConnection(url)
        try holder.execute("BEGIN")
        try holder.execute("SELECT id FROM spool_jobs WHERE id = $1 FOR UPDATE", [.int64(job)])
        let rescued = DispatchSemaphore(value: 0)
        let outcome = RescueOutcome()
        Thread.detachNewThread {
            do throws(ClusterError) {
                _ = try rescuer.execute(
                    ClusterStatements.rescue, [.int32(rescuerID), .int32(ClusterSchema.lockClass)], prepared: false)
            } catch {
                outcome.error = error
            }
            rescued.signal()
        }
        XCTAssertTrue(Deadline.poll(for: 10, every: 0.01) {
            (try? setup.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [.int32(rescuerPID)]
            ).int64(0, 0)) == 1
        }, "the rescue waits for the job's row")
        // A node registers now, and X becomes its reservation.
        let newcomer = try PostgresConnection(url)
        let newcomerID = try register(newcomer)
        try holder.execute("UPDATE spool_jobs SET owner_node = $1, owner_session = 7 WHERE id = $2", [.int32(newcomerID), .int64(job)])
        try holder.execute("COMMIT")
        XCTAssertEqual(rescued.wait(timeout: .now() + 10), .success)
        XCTAssertNil(outcome.error)
        let row = try setup.execute("SELECT state::int4, owner_node FROM spool_jobs WHERE id = $1", [.int64(job)])
        XCTAssertEqual(row.int32(0, 0), 1, "still reserved")
        XCTAssertEqual(row.int32(0, 1), newcomerID, "by the node that registered")
        XCTAssertEqual(try setup.execute("SELECT count(*) FROM spool_nodes WHERE id = $1", [.int32(dead)]).int64(0, 0), 0,
                       "the dead node went")
    }
}
