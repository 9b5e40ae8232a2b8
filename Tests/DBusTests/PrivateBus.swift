import Foundation
import SpoolTestSupport

/// A private `dbus-daemon` for one test: session type with an allow-all
/// policy, listening on a socket in a temporary directory. Stopped on deinit.
final class PrivateBus {
    let address: String
    let directory: URL
    private let pid: Int32

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dbus-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("bus.conf")
        try """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:path=\(directory.path)/bus</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """.write(to: config, atomically: true, encoding: .utf8)
        // --fork: the daemon detaches and the command returns at once, after
        // printing the address and the daemon's pid. Into a file: the daemon
        // keeps its standard output open, so a pipe would never end.
        let printed = directory.appendingPathComponent("started")
        let status = try spawnAndWait(
            "/usr/bin/dbus-daemon", ["--config-file=\(config.path)", "--fork", "--print-address=1", "--print-pid=1"],
            output: printed.path)
        let output = try String(contentsOf: printed, encoding: .utf8)
        let lines = output.split(separator: "\n")
        guard status == 0, lines.count >= 2, let pid = Int32(lines[1]) else {
            throw BusError.notStarted(output)
        }
        address = String(lines[0])
        self.pid = pid
    }

    enum BusError: Error {
        case notStarted(String)
    }

    deinit {
        // SIGKILL: the daemon inherits the test runner's blocked signals, SIGTERM among them.
        kill(pid, SIGKILL)
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs a command and returns its exit status and output (stdout and stderr).
func runCommand(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

