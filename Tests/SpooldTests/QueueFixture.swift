import Foundation
import SpoolTestSupport

/// A queue directory for spoold's `--queues-directory`, with one handler
/// script that leaves marker files, so that a test sees which attempts
/// started and ended, and when.
///
/// The handler (run as root) reads the job's body and:
/// - always creates `started.<job>.<attempt>` first;
/// - for a body starting with `wait`, waits until ``release()`` was called;
/// - for a body starting with `fail`, writes `cannot handle job <id>` to its
///   standard error and exits 3;
/// - otherwise (and after waiting), creates `ended.<job>.<attempt>` and exits 0.
final class QueueFixture {
    /// The directory to pass as `--queues-directory`.
    let queues: URL
    /// The handler script, for `ExecStart=`.
    let handler: URL
    private let markers: URL

    init() throws {
        let root = try TestScratch.handlerDirectory()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.path)
        queues = root.appendingPathComponent("queues.d")
        markers = root.appendingPathComponent("markers")
        handler = root.appendingPathComponent("handler.sh")
        for directory in [queues, markers] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let script = """
            #!/bin/sh
            body=$(cat)
            : > "$1/started.$SPOOL_JOB_ID.$SPOOL_ATTEMPT"
            case "$body" in
            wait*) while [ ! -e "$1/go" ]; do sleep 0.02; done ;;
            fail*) echo "cannot handle job $SPOOL_JOB_ID" >&2; exit 3 ;;
            esac
            : > "$1/ended.$SPOOL_JOB_ID.$SPOOL_ATTEMPT"
            exit 0

            """
        try script.write(to: handler, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: handler.path)
    }

    /// Writes `queues.d/<name>.conf`: a `[Queue]` for `tube` run by the
    /// handler as root, plus `settings` (such as `Workers=3`). Returns its path.
    @discardableResult
    func writeQueue(_ name: String, tube: String, _ settings: [String] = []) throws -> String {
        try writeFile(name, ([
            "[Queue]", "Tube=\(tube)", "ExecStart=\(handler.path) \(markers.path)", "User=root", "Timeout=30s",
            // The handler and its markers are there: the rest of the file
            // system is read-only to it.
            "ReadWritePaths=\(markers.deletingLastPathComponent().path)",
        ] + settings))
    }

    /// Writes `queues.d/<name>.conf` with exactly `lines`. Returns its path.
    @discardableResult
    func writeFile(_ name: String, _ lines: [String]) throws -> String {
        let url = queues.appendingPathComponent("\(name).conf")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Lets every waiting handler, and every later one, go on.
    func release() {
        _ = FileManager.default.createFile(atPath: markers.appendingPathComponent("go").path, contents: nil)
    }

    /// How many attempts started, of job `job` or of all.
    func started(job: UInt64? = nil) -> Int { count("started", job: job) }

    /// How many attempts ended with exit 0, of job `job` or of all.
    func ended(job: UInt64? = nil) -> Int { count("ended", job: job) }

    /// The attempts that started, as `job.attempt`, sorted.
    var startedAttempts: [String] {
        names("started").map { String($0.dropFirst("started.".count)) }.sorted()
    }

    private func count(_ kind: String, job: UInt64?) -> Int {
        names(kind).filter { name in job.map { name.hasPrefix("\(kind).\($0).") } ?? true }.count
    }

    private func names(_ kind: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: markers.path)) ?? []).filter { $0.hasPrefix(kind + ".") }
    }

    deinit {
        // No handler is left waiting once the test is over.
        release()
    }
}
