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
        directory = try TestScratch.temporaryDirectory(sharedBySuite: true)
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

    /// Stops the server (and the standby, if any) at once, as a crash would.
    func stop() {
        _ = try? asPostgres("\(Self.binaries)/pg_ctl -D \(directory.path)/data -m immediate -w stop")
        if standbyPort != nil {
            _ = try? asPostgres("\(Self.binaries)/pg_ctl -D \(standbyData) -m immediate -w stop")
        }
    }

    // MARK: A synchronous standby

    /// The standby's port, once ``addSynchronousStandby()`` made one.
    private(set) var standbyPort: Int?
    private var standbyData: String { directory.appendingPathComponent("standby").path }
    /// The standby's socket directory.
    var standbySocketDirectory: String { directory.appendingPathComponent("standby-sock").path }

    /// Adds a streaming standby named `standby1` that the primary waits for
    /// at every commit (`synchronous_standby_names`); returns once
    /// `pg_stat_replication` reports it `sync`.
    func addSynchronousStandby() throws {
        let port = try TestScratch.freePort()
        try FileManager.default.createDirectory(atPath: standbySocketDirectory, withIntermediateDirectories: true)
        try check(runCommand("/bin/chown", ["postgres:postgres", standbySocketDirectory]), "chown")
        try check(asPostgres("\(Self.binaries)/pg_basebackup -h \(socketDirectory) -p \(self.port) -U postgres -D \(standbyData) -R --checkpoint=fast"),
                  "pg_basebackup")
        try check(asPostgres("""
            printf "port = \(port)\\nunix_socket_directories = '\(standbySocketDirectory)'\\n" >> \(standbyData)/postgresql.conf && \
            printf "primary_conninfo = 'host=\(socketDirectory) port=\(self.port) user=postgres application_name=standby1'\\n" \
                >> \(standbyData)/postgresql.auto.conf
            """), "standby settings")
        try check(asPostgres("\(Self.binaries)/pg_ctl -D \(standbyData) -l \(standbyData)/log -w start"), "standby start")
        standbyPort = port
        try check(psql("postgres", "ALTER SYSTEM SET synchronous_standby_names = 'standby1'"), "synchronous_standby_names")
        try check(psql("postgres", "SELECT pg_reload_conf()"), "reload")
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let state = try psql("postgres", "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'")
            if state.output.trimmingCharacters(in: .whitespacesAndNewlines) == "sync" { return }
            usleep(50_000)
        }
        throw Failure(step: "standby", output: "the standby never became synchronous")
    }

    /// Kills the primary's postmaster with SIGKILL and promotes the standby.
    func failOver() throws {
        let pidFile = try String(contentsOfFile: directory.appendingPathComponent("data/postmaster.pid").path, encoding: .utf8)
        let pid = try XCTUnwrap(pidFile.split(separator: "\n").first.flatMap { Int32($0) })
        kill(pid, SIGKILL)
        try check(asPostgres("\(Self.binaries)/pg_ctl -D \(standbyData) -w promote"), "promote")
    }

    /// A URI that names the primary, then the standby, and takes whichever
    /// accepts writes (libpq's `target_session_attrs=read-write`).
    func failoverURL(_ name: String) throws -> String {
        let standby = try XCTUnwrap(standbyPort)
        return "postgresql://postgres@/\(name)?host=\(socketDirectory),\(standbySocketDirectory)"
            + "&port=\(port),\(standby)&target_session_attrs=read-write"
    }

    /// Runs `sql` in database `name` on the standby (the new primary after
    /// ``failOver()``).
    func psqlOnStandby(_ name: String, _ sql: String) throws -> CommandResult {
        try runCommand("/usr/bin/psql", ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", standbySocketDirectory,
                                         "-p", "\(try XCTUnwrap(standbyPort))", "-U", "postgres", "-d", name, "-c", sql])
    }

    /// Starts the stopped server again.
    func start() throws {
        try check(asPostgres("\(Self.binaries)/pg_ctl -D \(directory.path)/data -l \(directory.path)/data/log -w start"), "pg_ctl start")
    }

    /// A new, empty database; its libpq URI.
    func newDatabase() throws -> String {
        url(try newDatabaseName())
    }

    /// A new, empty database; its name.
    func newDatabaseName() throws -> String {
        databases += 1
        let name = "spool\(databases)"
        try check(psql("postgres", "CREATE DATABASE \(name)"), "createdb")
        return name
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
