import Foundation
@testable import SpoolCluster
import XCTest

/// A node's connections to a real PostgreSQL (a throw-away cluster): the
/// settings they run with whatever the database's defaults.
final class PostgresConnectionTests: XCTestCase {
    nonisolated(unsafe) private static var postgres: PostgresFixture?

    override class func tearDown() {
        postgres?.stop()
        postgres = nil
    }

    /// A database whose default is `synchronous_commit = off` would have
    /// puts acknowledged before they are flushed, and `local` or
    /// `remote_write` before a synchronous standby has flushed them: the
    /// node's durable connections commit with `on` all the same (found by
    /// review: only `off` was raised); a stronger setting of the admin's
    /// stays, and lease connections commit asynchronously.
    func testDurableConnectionsCommitSynchronouslyWhateverTheDatabaseSays() throws {
        if Self.postgres == nil { Self.postgres = try PostgresFixture() }
        let fixture = try XCTUnwrap(Self.postgres)
        let name = try fixture.newDatabaseName()
        try fixture.psql(name, "ALTER DATABASE \(name) SET synchronous_commit = off")
        func setting(_ connection: PostgresConnection) throws -> String {
            try connection.execute("SELECT current_setting('synchronous_commit')").text(0, 0)
        }
        XCTAssertEqual(try setting(PostgresConnection(fixture.url(name))), "on")
        XCTAssertEqual(try setting(PostgresConnection(fixture.url(name), synchronousCommit: false)), "off")
        for weaker in ["local", "remote_write"] {
            try fixture.psql(name, "ALTER DATABASE \(name) SET synchronous_commit = \(weaker)")
            XCTAssertEqual(try setting(PostgresConnection(fixture.url(name))), "on", weaker)
        }
        try fixture.psql(name, "ALTER DATABASE \(name) SET synchronous_commit = remote_apply")
        XCTAssertEqual(try setting(PostgresConnection(fixture.url(name))), "remote_apply")
    }
}
