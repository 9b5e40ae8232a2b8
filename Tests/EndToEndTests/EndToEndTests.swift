import Foundation
import XCTest

/// The end-to-end test of the Debian package under a real systemd (issue #3).
///
/// It runs `Tests/e2e/run`, which builds the .deb with `scripts/build-deb` (or
/// takes `SPOOL_DEB`), boots a Debian root filesystem under systemd-nspawn,
/// installs the package and checks it from inside the container, printing one
/// `ok - …` or `not ok - …` line per check. The script's output is streamed to
/// the test log as it runs, and is the failure message if anything fails.
final class EndToEndTests: XCTestCase {
    /// `Tests/e2e/run`, found from this file's place in the package.
    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("e2e/run")

    /// A bound for a run that hangs despite the script's own deadlines (every
    /// command it runs in the container has one; the package build has none).
    /// A cold run, with a full release build of spoold and debootstrap, takes a
    /// few minutes; a warm one well under a minute.
    private static let timeLimit = "45m"

    func testDebianPackageUnderSystemd() throws {
        guard getuid() == 0 else {
            return XCTFail("""
                Tests/e2e/run must run as root: it installs packages and runs debootstrap, \
                systemd-nspawn and nsenter. Run the tests as root, as CI does.
                """)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        // timeout sends TERM first, so that the script's trap still powers the
        // container off and deletes its files; KILL only a minute later.
        process.arguments = ["--kill-after=60", Self.timeLimit, Self.script.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()

        var output = Data()
        let reader = pipe.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            FileHandle.standardOutput.write(chunk)
            output.append(chunk)
        }
        process.waitUntilExit()

        let text = String(decoding: output, as: UTF8.self)
        let failedChecks = text.split(separator: "\n").filter { $0.hasPrefix("not ok") }
        XCTAssertEqual(process.terminationStatus, 0, "Tests/e2e/run exited with status \(process.terminationStatus):\n\(text)")
        XCTAssertTrue(failedChecks.isEmpty, "\(failedChecks.count) end-to-end checks failed:\n\(text)")
    }
}
