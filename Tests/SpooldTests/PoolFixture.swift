import Foundation
import SpoolTestSupport
import XCTest

/// The files of one worker pool test: a queue directory, handler scripts, a
/// directory where handlers leave marker files and a state directory, laid
/// out so that handlers running as `nobody` can run the scripts and write
/// the markers (the directories are 0755, the output directory 0777).
final class PoolFixture {
    let root: URL
    /// The directory given to `--queues-directory`.
    let queues: URL
    /// Where handlers write; every script finds it in `$OUT`.
    let output: URL
    /// The directory given to `--state-directory`, kept across restarts.
    let stateDirectory: URL
    /// A string unique to this fixture, which every script finds in
    /// `$MARKER`: handlers put it in the command lines of the processes they
    /// start, so that the test can look for survivors in /proc.
    let marker: String

    init() throws {
        root = try TestScratch.handlerDirectory()
        queues = root.appendingPathComponent("queues.d")
        output = root.appendingPathComponent("out")
        stateDirectory = root.appendingPathComponent("state")
        marker = "spool-pool-test-\(UUID().uuidString.prefix(8))"
        for directory in [queues, output, stateDirectory] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        // chmod, as the umask may have taken bits away.
        for (url, mode) in [(root, 0o755), (queues, 0o755), (output, 0o777), (stateDirectory, 0o700)] {
            guard chmod(url.path, mode_t(mode)) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM) }
        }
    }

    /// Writes the /bin/sh script `name`, mode 0755, with `OUT` and `MARKER`
    /// set before `body`, and returns its path.
    @discardableResult
    func handler(_ name: String, _ body: String) throws -> String {
        let path = root.appendingPathComponent(name).path
        let script = "#!/bin/sh\nOUT='\(output.path)'\nMARKER='\(marker)'\n\(body)\n"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        guard chmod(path, 0o755) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM) }
        return path
    }

    /// Writes the queue file `name`.conf: `[Queue]` on line 1, then one
    /// setting per line (so `settings[i]` is on line `i + 2`), then, unless
    /// they name one, `ReadWritePaths=` the fixture's directory. Returns its path.
    @discardableResult
    func queue(_ name: String, _ settings: [String]) throws -> String {
        let path = queueFile(name)
        // The handlers and their output are there: the rest of the file system
        // is read-only to them.
        let writable = settings.contains { $0.hasPrefix("ReadWritePaths=") } ? [] : ["ReadWritePaths=\(root.path)"]
        try (["[Queue]"] + settings + writable).map { $0 + "\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The path of the queue file `name`.conf.
    func queueFile(_ name: String) -> String {
        queues.appendingPathComponent("\(name).conf").path
    }

    /// Removes the queue file `name`.conf.
    func removeQueue(_ name: String) throws {
        try FileManager.default.removeItem(atPath: queueFile(name))
    }

    /// Starts spoold on the fixture's queue and state directories, with
    /// `--worker-stop-timeout 1` unless `extra` sets it, so that a test that
    /// ends with handlers running does not wait for them.
    func startSpoold(_ extra: [String] = [], ignoringChildSignals: Bool = false) throws -> ServerProcess {
        let stopTimeout = extra.contains("--worker-stop-timeout") ? [] : ["--worker-stop-timeout", "1"]
        return try ServerProcess.spoold(
            ["--queues-directory", queues.path, "--state-directory", stateDirectory.path] + stopTimeout + extra,
            ignoringChildSignals: ignoringChildSignals)
    }

    /// The lines of the output file `name`; none while it does not exist.
    func lines(_ name: String) -> [String] {
        guard let text = try? String(contentsOf: output.appendingPathComponent(name), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    /// Whether the output file `name` exists.
    func exists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path)
    }

    /// Creates the empty output file `name`, a signal for the handlers.
    func touch(_ name: String) throws {
        try Data().write(to: output.appendingPathComponent(name))
    }

    /// Puts `body` into `tube` and waits until the pool is done with it:
    /// deleted (nil) or buried (its `stats-job`).
    func outcome(of body: String, in tube: String, on client: JobClient) throws -> [String: String]? {
        client.use(tube)
        let id = try XCTUnwrap(client.putID(body))
        var outcome: [String: String]?
        XCTAssertTrue(Deadline.poll(for: 20) {
            let stats = client.stats("stats-job \(id)")
            outcome = stats
            return stats.isEmpty || stats["state"] == "buried"
        }, "job \(id) in \(tube) is neither deleted nor buried: \(outcome ?? [:])")
        return outcome?.isEmpty == false ? outcome : nil
    }

    /// Removes everything.
    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}
