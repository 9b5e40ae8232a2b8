import Foundation
import SpoolTestSupport
import XCTest

/// A queue server (spoold or beanstalkd) running as a real child process.
final class ServerProcess {
    let process = Process()
    /// The TCP port it listens on.
    let port: Int
    private let collector: OutputCollector

    /// The address in the form the client suites take.
    var address: String { "tcp:127.0.0.1:\(port)" }

    private init(executable: URL, arguments: [String], port: Int, workingDirectory: URL? = nil) throws {
        self.port = port
        process.executableURL = executable
        process.arguments = arguments
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        // As scripts start a server: nothing inherited from a systemd unit.
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "STATE_DIRECTORY" }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        collector = OutputCollector(pipe)
        try process.run()
        try waitUntilListening()
    }

    /// Starts spoold on a free loopback port, plus any extra arguments. Unless
    /// they choose the store, it gets a fresh state directory of its own, so
    /// every protocol test runs on the durable SQLite store; unless they
    /// choose a bus, it runs without the D-Bus control plane.
    /// With `port`, it listens there (a restart on the port clients know),
    /// else on a free one. With `fileLimit`, prlimit(1) sets its open-file
    /// limit (soft and hard) to that.
    static func spoold(
        _ extra: [String] = [], port: Int? = nil, fileLimit: Int? = nil, ignoringChildSignals: Bool = false
    ) throws -> ServerProcess {
        let port = try port ?? TestScratch.freePort()
        let choosesStore = extra.contains { ["-b", "--state-directory", "--durability", "--postgresql"].contains($0) }
        let store = choosesStore ? [] : ["--state-directory", try TestScratch.temporaryDirectory().path]
        let bus = extra.contains("--bus") ? [] : ["--bus", "none"]
        let arguments = ["--listen", "tcp:127.0.0.1:\(port)"] + store + bus + extra
        if ignoringChildSignals {
            // As a parent that ignores SIGCHLD starts it: ignored stays ignored across execve.
            let exec = "import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])"
            return try ServerProcess(executable: URL(fileURLWithPath: "/usr/bin/python3"),
                                     arguments: ["-c", exec, TestEnvironment.spoold.path] + arguments, port: port)
        }
        guard let fileLimit else { return try ServerProcess(executable: TestEnvironment.spoold, arguments: arguments, port: port) }
        return try ServerProcess(executable: URL(fileURLWithPath: "/usr/bin/prlimit"),
                                 arguments: ["--nofile=\(fileLimit):\(fileLimit)", "--", TestEnvironment.spoold.path] + arguments, port: port)
    }

    /// The user and system CPU time the process has used, in clock ticks.
    var cpuTicks: Int? {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    /// Starts spoold exactly as scripts and client libraries' test suites
    /// start beanstalkd: `spoold -l 127.0.0.1 -p PORT`, plus `extra`, in
    /// `workingDirectory` when given; nothing else.
    static func spooldAsBeanstalkd(_ extra: [String] = [], workingDirectory: URL? = nil) throws -> ServerProcess {
        let port = try TestScratch.freePort()
        return try ServerProcess(executable: TestEnvironment.spoold, arguments: ["-l", "127.0.0.1", "-p", "\(port)"] + extra,
                                 port: port, workingDirectory: workingDirectory)
    }

    /// Starts spoold as `spooldAsBeanstalkd` does, but as the unprivileged
    /// user `nobody` (setpriv), as a packaged or scripted spoold runs.
    static func spooldAsNobody(_ extra: [String] = []) throws -> ServerProcess {
        let port = try TestScratch.freePort()
        return try ServerProcess(
            executable: URL(fileURLWithPath: "/usr/bin/setpriv"),
            arguments: ["--reuid=nobody", "--regid=nogroup", "--clear-groups", TestEnvironment.spoold.path, "-l", "127.0.0.1", "-p", "\(port)"]
                + extra,
            port: port)
    }

    /// Starts spoold as the packaged unit does, but by setpriv: as a service
    /// user (`daemon`) with no capabilities but the unit's three, ambient
    /// (CAP_SETUID and CAP_SETGID to start handlers as other users, CAP_KILL).
    static func spooldAsServiceUser(_ extra: [String] = []) throws -> ServerProcess {
        let port = try TestScratch.freePort()
        let capabilities = "+setuid,+setgid,+kill"
        return try ServerProcess(
            executable: URL(fileURLWithPath: "/usr/bin/setpriv"),
            arguments: [
                "--reuid=daemon", "--regid=daemon", "--clear-groups", "--inh-caps=-all,\(capabilities)",
                "--ambient-caps=\(capabilities)", "--bounding-set=-all,\(capabilities)",
                TestEnvironment.spoold.path, "-l", "127.0.0.1", "-p", "\(port)",
            ] + extra,
            port: port)
    }

    /// Starts Debian's beanstalkd on a free loopback port.
    static func beanstalkd(_ extra: [String] = []) throws -> ServerProcess {
        let port = try TestScratch.freePort()
        return try ServerProcess(executable: URL(fileURLWithPath: "/usr/bin/beanstalkd"),
                                 arguments: ["-l", "127.0.0.1", "-p", "\(port)"] + extra, port: port)
    }

    /// Polls until a connection succeeds; fails after 10 s or if the process exits.
    private func waitUntilListening() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard process.isRunning else {
                throw ServerError.exited(process.terminationStatus, collector.text)
            }
            if let client = try? RawClient(port: port) {
                client.close()
                return
            }
            usleep(10_000)
        }
        throw ServerError.notListening
    }

    /// Sends a signal.
    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Sends SIGTERM and waits (at most 10 s) for the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { signal(SIGTERM) }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            signal(SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// The process's resident memory in KiB, from /proc.
    var residentKiB: Int? { statusKiB("VmRSS:") }

    /// Waits (at most 10 s) until the resident memory is below `limit` KiB;
    /// returns the last reading, below the limit or not.
    func residentKiB(fallingBelow limit: Int, from start: Int) -> Int {
        var latest = start
        _ = Deadline.poll(for: 10) {
            latest = residentKiB ?? latest
            return latest < limit
        }
        return latest
    }

    /// How many file descriptors it has open.
    var openDescriptors: Int? {
        try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/fd").count
    }

    /// Its peak resident set (VmHWM) since it started, in KiB.
    var peakResidentKiB: Int? { statusKiB("VmHWM:") }

    /// A field of /proc/PID/status counted in kB.
    private func statusKiB(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    }

    /// What the process printed, once it has exited (waits for that).
    var output: String { collector.text }

    /// What the process has printed so far, while it runs.
    var outputSoFar: String { collector.soFar }

    deinit {
        stop()
    }

    enum ServerError: Error {
        case exited(Int32, String)
        case notListening
    }
}
