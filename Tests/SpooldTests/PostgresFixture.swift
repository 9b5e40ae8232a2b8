import Foundation
import SpoolTestSupport
import XCTest

/// A throw-away PostgreSQL cluster of Debian's server, as the tests start
/// it: initdb into a fresh directory (as the `postgres` user: initdb refuses
/// root), listening on a Unix socket only, stopped with `-m immediate`.
/// Every test takes a database of its own (``newDatabase()``).
final class PostgresFixture {
    let directory: URL
    let port: Int
    private var databases = 0

    static let binaries = "/usr/lib/postgresql/15/bin"

    /// The socket directory, as libpq's `host=`.
    var socketDirectory: String { directory.appendingPathComponent("sock").path }

    init() throws {
        directory = try TestScratch.temporaryDirectory()
        port = try TestScratch.freePort()
        let data = directory.appendingPathComponent("data").path
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try check(runCommand("/bin/chown", ["-R", "postgres:postgres", directory.path]), "chown")
        try check(runCommand("/bin/chmod", ["755", directory.path]), "chmod")
        try check(asPostgres("\(Self.binaries)/initdb -D \(data) -A trust -E UTF8 --no-locale"), "initdb")
        let settings = "port = \(port)\nlisten_addresses = ''\nunix_socket_directories = '\(socketDirectory)'\nfsync = on\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: data + "/postgresql.conf"))
        handle.seekToEndOfFile()
        handle.write(Data(settings.utf8))
        try handle.close()
        try check(asPostgres("\(Self.binaries)/pg_ctl -D \(data) -l \(data)/log -w start"), "pg_ctl start")
    }

    /// Stops the server at once, as a crash would.
    func stop() {
        _ = try? asPostgres("\(Self.binaries)/pg_ctl -D \(directory.path)/data -m immediate -w stop")
    }

    /// Starts the stopped server again.
    func start() throws {
        try check(asPostgres("\(Self.binaries)/pg_ctl -D \(directory.path)/data -l \(directory.path)/data/log -w start"), "pg_ctl start")
    }

    /// A new, empty database; its libpq URI.
    func newDatabase() throws -> String {
        databases += 1
        let name = "spool\(databases)"
        try check(psql("postgres", "CREATE DATABASE \(name)"), "createdb")
        return url(name)
    }

    /// The URI of database `name`.
    func url(_ name: String) -> String {
        "postgresql://postgres@/\(name)?host=\(socketDirectory)&port=\(port)"
    }

    /// Runs `sql` in database `name` with psql; its output, unaligned.
    @discardableResult
    func psql(_ name: String, _ sql: String) throws -> CommandResult {
        try runCommand("/usr/bin/psql", ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", "\(port)",
                                         "-U", "postgres", "-d", name, "-c", sql])
    }

    /// Runs `command` as `postgres`, its output in a file, with posix_spawn
    /// and waitpid (``spawnAndWait(_:_:output:)``): Foundation's Process
    /// never sees the end of a `pg_ctl start`, whose server lives on.
    private func asPostgres(_ command: String) throws -> CommandResult {
        let log = directory.appendingPathComponent("commands.log").path
        let status = try spawnAndWait("/usr/sbin/runuser", ["-u", "postgres", "--", "/bin/sh", "-c", "\(command) </dev/null 2>&1"], output: log)
        return CommandResult(status: status, output: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    private func check(_ result: CommandResult, _ step: String) throws {
        guard result.status == 0 else { throw Failure(step: step, output: result.output) }
    }

    struct Failure: Error, CustomStringConvertible {
        let step: String
        let output: String
        var description: String { "\(step) failed: \(output)" }
    }
}
